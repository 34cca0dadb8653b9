import { LitElement, css, html } from 'lit';
import { errorText, login } from './api.js';
import { sharedStyles } from './styles.js';

/** Fired (bubbling, composed) once the token is stored. */
export const LOGGED_IN_EVENT = 'oasis-logged-in';

/**
 * `<oasis-login>`: username and password form. Stores the token through `api.login` and fires
 * {@link LOGGED_IN_EVENT}; on failure shows the admin's message in an alert line.
 */
export class OasisLogin extends LitElement {
  static override properties = {
    busy: { state: true },
    error: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        display: grid;
        gap: 0.4rem;
        max-width: 22rem;
        padding: 1.2rem;
        border: 1px solid #dde2ea;
        border-radius: 6px;
      }
      label {
        font-weight: 600;
        margin-top: 0.4rem;
      }
      input {
        font: inherit;
        padding: 0.35rem 0.5rem;
        border: 1px solid #9aa3b5;
        border-radius: 4px;
      }
      button {
        margin-top: 0.8rem;
        justify-self: start;
      }
    `,
  ];

  declare busy: boolean;
  declare error: string;

  constructor() {
    super();
    this.busy = false;
    this.error = '';
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#username')?.focus();
  }

  override render() {
    return html`
      <form @submit=${this.onSubmit} aria-labelledby="login-title" aria-busy=${this.busy ? 'true' : 'false'}>
        <h2 id="login-title">Sign in</h2>
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required ?disabled=${this.busy} />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          ?disabled=${this.busy}
        />
        <p class="error" role="alert">${this.error}</p>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    `;
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    this.busy = true;
    this.error = '';
    try {
      await login(username, password);
      form.reset();
      this.dispatchEvent(new CustomEvent(LOGGED_IN_EVENT, { bubbles: true, composed: true }));
    } catch (err) {
      this.error = errorText(err);
      this.busy = false;
      await this.updateComplete;
      // Let the person retype the password straight away.
      const password = this.renderRoot.querySelector<HTMLInputElement>('#password');
      password?.focus();
      password?.select();
      return;
    }
    this.busy = false;
  }
}

customElements.define('oasis-login', OasisLogin);

declare global {
  interface HTMLElementTagNameMap {
    'oasis-login': OasisLogin;
  }
}
