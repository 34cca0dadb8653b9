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

/** Forms, cards, badges, tables that scroll on narrow screens. */
export const pageStyles = css`
  .card-grid {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
    gap: 0.8rem;
    margin: 0.8rem 0;
  }
  .card {
    border: 1px solid #dde2ea;
    border-radius: 6px;
    padding: 0.7rem 0.9rem;
    background: #fafbfd;
  }
  .card .value {
    font-size: 1.6rem;
    font-weight: 700;
  }
  .table-wrap {
    overflow-x: auto;
  }
  form.grid,
  fieldset {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
    gap: 0.5rem 1rem;
  }
  /* A field across the whole width of a form grid. */
  .wide {
    grid-column: 1 / -1;
  }
  fieldset {
    border: 1px solid #dde2ea;
    border-radius: 6px;
    margin: 0.6rem 0;
  }
  legend {
    font-weight: 600;
  }
  label {
    display: grid;
    gap: 0.15rem;
    font-weight: 600;
    font-size: 0.9rem;
  }
  label.check {
    display: flex;
    gap: 0.4rem;
    align-items: center;
  }
  input,
  select,
  textarea {
    font: inherit;
    font-weight: 400;
    padding: 0.3rem 0.45rem;
    border: 1px solid #9aa3b5;
    border-radius: 4px;
    min-width: 0;
  }
  textarea {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    min-height: 4rem;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 0.6rem;
    align-items: end;
    margin-bottom: 0.6rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem;
  }
  .actions button,
  button.small {
    padding: 0.15rem 0.5rem;
    font-size: 0.85rem;
  }
  button.danger {
    background: #a4161a;
    border-color: #a4161a;
  }
  .badge {
    display: inline-block;
    padding: 0 0.45rem;
    border-radius: 999px;
    font-size: 0.8rem;
    font-weight: 600;
  }
  .badge.ok {
    background: #d8f3dc;
    color: #1b4332;
  }
  .badge.run {
    background: #dbe9ff;
    color: #1d3b72;
  }
  .badge.bad {
    background: #ffe0e0;
    color: #7a0c0f;
  }
  .notice {
    background: #fff7d6;
    border: 1px solid #f0d264;
    padding: 0.5rem 0.7rem;
    border-radius: 4px;
    overflow-wrap: anywhere;
  }
  pre.log {
    background: #111826;
    color: #e5e9f0;
    padding: 0.6rem;
    border-radius: 4px;
    max-height: 24rem;
    overflow: auto;
    white-space: pre-wrap;
    font-size: 0.85rem;
  }
  dl.facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.2rem 1rem;
  }
  dl.facts dt {
    font-weight: 600;
  }
  dl.facts dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
`;
