import { LitElement, css, html } from 'lit';
import { api, errorText, type Me } from './api.js';
import { LangController, t } from './i18n.js';
import { pageStyles, sharedStyles } from './styles.js';

/** Fired (bubbling, composed, `detail`: the user) once signed in. */
export const LOGGED_IN_EVENT = 'oasis-logged-in';

/**
 * `<oasis-login>`: username and password form. The admin answers with the session cookie;
 * fires {@link LOGGED_IN_EVENT}. A failure (wrong password, rate limit) shows in an alert line.
 */
export class OasisLogin extends LitElement {
  static override properties = { busy: { state: true }, error: { state: true } };
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      form {
        display: grid;
        gap: 0.6rem;
        max-width: 22rem;
        padding: 1.2rem;
        border: 1px solid #dde2ea;
        border-radius: 6px;
      }
      button {
        justify-self: start;
      }
    `,
  ];
  declare busy: boolean;
  declare error: string;
  private readonly i18n = new LangController(this);

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
        <h2 id="login-title">${t('login.title')}</h2>
        <label>${t('login.username')}<input id="username" name="username" autocomplete="username" required ?disabled=${this.busy} /></label>
        <label
          >${t('login.password')}<input id="password" name="password" type="password" autocomplete="current-password" required ?disabled=${this.busy}
        /></label>
        <p class="error" role="alert">${this.error}</p>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? t('login.busy') : t('login.submit')}</button>
      </form>
    `;
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    this.busy = true;
    this.error = '';
    let user: Me;
    try {
      user = (await api.login(String(data.get('username') ?? '').trim(), String(data.get('password') ?? ''))).user;
    } catch (err) {
      this.error = errorText(err);
      this.busy = false;
      await this.updateComplete;
      const password = this.renderRoot.querySelector<HTMLInputElement>('#password');
      password?.focus();
      password?.select();
      return;
    }
    this.busy = false;
    form.reset();
    this.dispatchEvent(new CustomEvent(LOGGED_IN_EVENT, { bubbles: true, composed: true, detail: user }));
  }
}

customElements.define('oasis-login', OasisLogin);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-login': OasisLogin;
  }
}
