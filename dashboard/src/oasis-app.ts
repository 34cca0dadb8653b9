import { LitElement, css, html, type TemplateResult } from 'lit';
import { SESSION_ENDED_EVENT, api, type Me } from './api.js';
import { LANGS, LangController, lang, setLang, t, type Lang, type MessageKey } from './i18n.js';
import { live } from './live.js';
import { sharedStyles } from './styles.js';
import './oasis-login.js';
import './oasis-overview.js';
import './oasis-app-list.js';
import './oasis-worker-list.js';
import './oasis-job-list.js';
import './oasis-job-form.js';
import './oasis-log-list.js';
import './oasis-log-detail.js';
import './oasis-user-list.js';
import './oasis-audit-list.js';

/** Pages by hash route (`#/jobs`, `#/jobs/12`, `#/logs/<taskId>`…); `admin` pages show for ADMINs only. */
const PAGES: { path: string; label: MessageKey; admin?: boolean }[] = [
  { path: 'overview', label: 'nav.overview' },
  { path: 'apps', label: 'nav.apps' },
  { path: 'workers', label: 'nav.workers' },
  { path: 'jobs', label: 'nav.jobs' },
  { path: 'logs', label: 'nav.logs' },
  { path: 'users', label: 'nav.users' },
  { path: 'audit', label: 'nav.audit', admin: true },
];

/**
 * `<oasis-app>`: the dashboard shell. Asks the admin who is signed in (the session cookie), shows
 * `<oasis-login>` until someone is, then the navigation, the language switch and the page of the
 * URL hash. Opens the live channel after sign-in; back to the login form when the session ends.
 */
export class OasisApp extends LitElement {
  static override properties = { me: { state: true }, ready: { state: true }, notice: { state: true }, route: { state: true } };
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem 1.2rem;
        align-items: center;
        padding: 0.6rem 1.2rem;
        background: #1d2433;
        color: #fff;
      }
      header h1 {
        font-size: 1.15rem;
        margin: 0;
      }
      nav ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        color: #dfe6f3;
        text-decoration: none;
        padding: 0.25rem 0.55rem;
        border-radius: 4px;
        display: inline-block;
      }
      nav a[aria-current='page'] {
        background: #2d5fa8;
        color: #fff;
      }
      .tools {
        margin-left: auto;
        display: flex;
        gap: 0.6rem;
        align-items: center;
      }
      .tools select {
        font: inherit;
      }
      .tools button {
        background: transparent;
        border-color: #fff;
      }
      main {
        padding: 1rem 1.2rem;
        max-width: 90rem;
      }
      .who {
        color: #b9c3d6;
        font-size: 0.9rem;
      }
      .notice:empty {
        display: none;
      }
    `,
  ];
  declare me: Me | null;
  declare ready: boolean;
  declare notice: string;
  declare route: string[];
  private readonly i18n = new LangController(this);

  constructor() {
    super();
    this.me = null;
    this.ready = false;
    this.notice = '';
    this.route = parseHash();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(SESSION_ENDED_EVENT, this.onSessionEnded);
    window.addEventListener('hashchange', this.onHash);
    api.me().then(
      (me) => this.signedIn(me),
      () => (this.ready = true),
    );
  }

  override disconnectedCallback(): void {
    window.removeEventListener(SESSION_ENDED_EVENT, this.onSessionEnded);
    window.removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  override render() {
    const me = this.me;
    return html`
      <header>
        <h1>${t('app.title')}</h1>
        ${me ? this.renderNav(me) : ''}
        <div class="tools">
          <label>
            <span class="who">${t('lang.label')}</span>
            <select id="lang" aria-label=${t('lang.label')} @change=${(e: Event) => setLang((e.target as HTMLSelectElement).value as Lang)}>
              ${Object.entries(LANGS).map(([code, name]) => html`<option value=${code} ?selected=${code === lang()}>${name}</option>`)}
            </select>
          </label>
          ${me
            ? html`<span class="who">${me.username} · ${me.role}</span>
                <button type="button" id="signout" @click=${this.onSignOut}>${t('signout')}</button>`
            : ''}
        </div>
      </header>
      <main>
        <p class="notice muted" role="status">${this.notice}</p>
        ${!this.ready ? html`<p class="muted">${t('common.loading')}</p>` : me ? this.renderPage(me) : html`<oasis-login @oasis-logged-in=${this.onLoggedIn}></oasis-login>`}
      </main>
    `;
  }

  private renderNav(me: Me) {
    const page = this.route[0] ?? 'overview';
    return html`<nav aria-label=${t('nav.main')}>
      <ul>
        ${PAGES.filter((p) => !p.admin || me.role === 'ADMIN').map(
          (p) => html`<li><a href="#/${p.path}" aria-current=${p.path === page ? 'page' : 'false'}>${t(p.label)}</a></li>`,
        )}
      </ul>
    </nav>`;
  }

  private renderPage(me: Me): TemplateResult {
    const [page = 'overview', arg] = this.route;
    switch (page) {
      case 'apps':
        return html`<oasis-app-list .me=${me}></oasis-app-list>`;
      case 'workers':
        return html`<oasis-worker-list .me=${me} .app=${arg ?? ''}></oasis-worker-list>`;
      case 'jobs':
        if (arg === 'new') return html`<oasis-job-form .me=${me} .copyOf=${Number(this.route[2]) || 0}></oasis-job-form>`;
        if (arg) return html`<oasis-job-form .me=${me} .jobId=${Number(arg)}></oasis-job-form>`;
        return html`<oasis-job-list .me=${me}></oasis-job-list>`;
      case 'logs':
        if (arg) return html`<oasis-log-detail .me=${me} .taskId=${decodeURIComponent(arg)}></oasis-log-detail>`;
        return html`<oasis-log-list .me=${me}></oasis-log-list>`;
      case 'users':
        return html`<oasis-user-list .me=${me}></oasis-user-list>`;
      case 'audit':
        return html`<oasis-audit-list></oasis-audit-list>`;
      default:
        return html`<oasis-overview .me=${me}></oasis-overview>`;
    }
  }

  private signedIn(me: Me): void {
    this.me = me;
    this.ready = true;
    live.open();
  }

  private async onLoggedIn(e: CustomEvent<Me>): Promise<void> {
    this.notice = '';
    this.signedIn(e.detail);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('nav a[aria-current="page"]')?.focus();
  }

  private async onSignOut(): Promise<void> {
    await api.logout().catch(() => undefined);
    live.close();
    this.me = null;
    this.notice = t('signed.out');
  }

  private readonly onSessionEnded = (): void => {
    if (!this.me) return;
    live.close();
    this.me = null;
    this.notice = t('session.ended');
  };

  private readonly onHash = (): void => {
    this.route = parseHash();
  };
}

function parseHash(): string[] {
  return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

customElements.define('oasis-app', OasisApp);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-app': OasisApp;
  }
}
