import { LitElement, css, html } from 'lit';
import { SESSION_ENDED_EVENT, getToken, logout } from './api.js';
import { sharedStyles } from './styles.js';
import './oasis-login.js';
import './oasis-app-list.js';
import './oasis-job-list.js';

/**
 * `<oasis-app>`: the dashboard shell. Shows `<oasis-login>` until a token is stored, then the app
 * and job lists with a sign-out button. Goes back to the login form when the admin ends the session.
 */
export class OasisApp extends LitElement {
  static override properties = {
    signedIn: { state: true },
    notice: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        padding: 0.7rem 1.2rem;
        background: #1d2433;
        color: #fff;
      }
      header h1 {
        font-size: 1.2rem;
        margin: 0;
      }
      header button {
        background: transparent;
        border-color: #fff;
      }
      main {
        display: grid;
        gap: 2rem;
        padding: 1.2rem;
        max-width: 72rem;
      }
      .notice {
        margin: 0;
      }
      .notice:empty {
        display: none;
      }
    `,
  ];

  declare signedIn: boolean;
  declare notice: string;

  constructor() {
    super();
    this.signedIn = getToken() !== null;
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(SESSION_ENDED_EVENT, this.onSessionEnded);
  }

  override disconnectedCallback(): void {
    window.removeEventListener(SESSION_ENDED_EVENT, this.onSessionEnded);
    super.disconnectedCallback();
  }

  override render() {
    return html`
      <header>
        <h1>Oasis Scheduler</h1>
        ${this.signedIn
          ? html`<button type="button" @click=${this.onSignOut}>Sign out</button>`
          : ''}
      </header>
      <main>
        <p class="notice muted" role="status">${this.notice}</p>
        ${this.signedIn
          ? html`
              <h2 id="overview" tabindex="-1">Overview</h2>
              <oasis-app-list></oasis-app-list>
              <oasis-job-list></oasis-job-list>
            `
          : html`<oasis-login @oasis-logged-in=${this.onSignedIn}></oasis-login>`}
      </main>
    `;
  }

  private async onSignedIn(): Promise<void> {
    this.notice = '';
    this.signedIn = true;
    await this.updateComplete;
    // Move focus to the new content so keyboard and screen reader users land on it.
    this.renderRoot.querySelector<HTMLElement>('#overview')?.focus();
  }

  private onSignOut(): void {
    logout();
    this.signedIn = false;
    this.notice = 'You are signed out.';
  }

  // An arrow field so the same function is added to and removed from `window`.
  private readonly onSessionEnded = (): void => {
    if (!this.signedIn) return;
    this.signedIn = false;
    this.notice = 'Your session has ended. Please sign in again.';
  };
}

customElements.define('oasis-app', OasisApp);

declare global {
  interface HTMLElementTagNameMap {
    'oasis-app': OasisApp;
  }
}
