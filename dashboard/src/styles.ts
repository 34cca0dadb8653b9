import { css } from 'lit';

/** Look shared by the dashboard's elements: plain, readable, with a visible keyboard focus. */
export const sharedStyles = css`
  :host {
    display: block;
    font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    color: #1d2433;
  }
  h2 {
    font-size: 1.15rem;
    margin: 0;
  }
  button {
    font: inherit;
    padding: 0.35rem 0.9rem;
    border: 1px solid #2d5fa8;
    border-radius: 4px;
    background: #2d5fa8;
    color: #fff;
    cursor: pointer;
  }
  button.secondary {
    background: #fff;
    color: #2d5fa8;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid #f0a500;
    outline-offset: 2px;
  }
  .error {
    color: #a4161a;
    font-weight: 600;
    margin: 0.5rem 0;
  }
  .error:empty {
    display: none;
  }
  .muted {
    color: #5a6275;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 0.35rem 0.6rem;
    border-bottom: 1px solid #dde2ea;
    vertical-align: top;
  }
  th {
    background: #f3f5f9;
    font-weight: 600;
  }
  code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
  }
  .bar {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 1rem;
    margin: 0 0 0.6rem;
  }
`;
