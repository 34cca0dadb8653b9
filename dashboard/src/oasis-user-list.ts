import { LitElement, html } from 'lit';
import { api, errorText, type AppSummary, type Me, type Role, type User } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { ListController } from './list-controller.js';
import { pageStyles, sharedStyles } from './styles.js';

const ROLES: Role[] = ['ADMIN', 'OPERATOR', 'VIEWER'];
/** A new user starts with the least power; the admin picks more on purpose. */
const NEW_USER_ROLE: Role = 'VIEWER';

/** The values picked in a `<select multiple>`. */
const picked = (e: Event): string[] => [...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value);

/**
 * `<oasis-user-list>`: users, roles, permitted apps and script grants (ADMIN); everyone can
 * change their own password here.
 */
export class OasisUserList extends LitElement {
  static override properties = {
    me: { attribute: false },
    apps: { state: true },
    error: { state: true },
    message: { state: true },
    newRole: { state: true },
  };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare apps: AppSummary[];
  declare error: string;
  declare message: string;
  /** Role picked in the New user form (script grants are an OPERATOR's only). */
  declare newRole: Role;
  private readonly i18n = new LangController(this);
  /** Only an ADMIN sees users; the apps (for the pickers) come with them, in one go. */
  private readonly users = new ListController<User>(this, {
    fetch: async () => {
      if (this.me.role !== 'ADMIN') return [];
      const [users, apps] = await Promise.all([api.users(), api.apps()]);
      this.apps = apps;
      return users;
    },
  });

  constructor() {
    super();
    this.apps = [];
    this.error = '';
    this.message = '';
    this.newRole = NEW_USER_ROLE;
  }

  override render() {
    const admin = this.me?.role === 'ADMIN';
    return html`
      <section aria-labelledby="users-title">
        <h2 id="users-title">${t('nav.users')}</h2>
        <p class="error" role="alert">${this.error}</p>
        <p class="muted" role="status">${this.message}</p>
        <form class="filters" @submit=${this.onOwnPassword} aria-label=${t('users.changeOwn')}>
          <label>${t('users.current')}<input type="password" name="current" autocomplete="current-password" required /></label>
          <label>${t('users.password')}<input type="password" name="password" autocomplete="new-password" minlength="8" required /></label>
          <button type="submit">${t('users.changeOwn')}</button>
        </form>
        ${admin
          ? html`<form class="filters" id="new-user" @submit=${this.onCreate} aria-label=${t('users.new')}>
                <label>${t('login.username')}<input name="username" id="new-username" required /></label>
                <label>${t('users.password')}<input name="password" id="new-password" type="password" autocomplete="new-password" minlength="8" required /></label>
                <label
                  >${t('users.role')}<select name="role" id="new-role" @change=${(e: Event) => (this.newRole = (e.target as HTMLSelectElement).value as Role)}>
                    ${ROLES.map((r) => html`<option value=${r} ?selected=${r === NEW_USER_ROLE}>${r}</option>`)}
                  </select></label
                >
                <label
                  >${t('users.apps')}<select name="apps" id="new-apps" multiple size="3">
                    ${this.apps.map((a) => html`<option value=${a.name}>${a.name}</option>`)}
                  </select></label
                >
                <label
                  >${t('users.scriptApps')}<select name="scriptApps" id="new-script-apps" multiple size="3" ?disabled=${this.newRole !== 'OPERATOR'}>
                    ${this.apps.map((a) => html`<option value=${a.name}>${a.name}</option>`)}
                  </select></label
                >
                <button type="submit">${t('users.new')}</button>
              </form>
              <p class="muted">${t('users.scriptHint')}</p>
              ${this.users.render({
                columns: [t('login.username'), t('users.role'), t('users.apps'), t('users.scriptApps'), t('common.created'), t('common.actions')],
                row: (u) => this.row(u),
              })}`
          : ''}
      </section>
    `;
  }

  private row(u: User) {
    return html`<tr>
      <th scope="row">${u.username}</th>
      <td>
        <select aria-label="${t('users.role')}: ${u.username}" @change=${(e: Event) => this.change(u, { role: (e.target as HTMLSelectElement).value as Role })}>
          ${ROLES.map((r) => html`<option value=${r} ?selected=${r === u.role}>${r}</option>`)}
        </select>
      </td>
      <td>
        ${u.role === 'ADMIN'
          ? t('users.allApps')
          : html`<select multiple size="3" aria-label="${t('users.apps')}: ${u.username}" @change=${(e: Event) => this.change(u, { apps: picked(e) })}>
              ${this.apps.map((a) => html`<option value=${a.name} ?selected=${u.apps.includes(a.name)}>${a.name}</option>`)}
            </select>`}
      </td>
      <td>${this.scriptCell(u)}</td>
      <td>${formatTime(u.createdAt)}</td>
      <td class="actions">
        <button class="secondary" type="button" @click=${() => this.onSetPassword(u)}>${t('users.setPassword')}</button>
        ${u.id !== this.me.id
          ? html`<button class="danger" type="button" @click=${() => this.onDelete(u)}>${t('common.delete')}</button>`
          : ''}
      </td>
    </tr>`;
  }

  /** An ADMIN writes scripts everywhere, a VIEWER nowhere; an OPERATOR where granted, among its apps. */
  private scriptCell(u: User) {
    if (u.role === 'ADMIN') return t('users.allApps');
    if (u.role !== 'OPERATOR' || u.apps.length === 0) return t('users.noScripts');
    return html`<select multiple size="3" aria-label="${t('users.scriptApps')}: ${u.username}" @change=${(e: Event) => this.change(u, { scriptApps: picked(e) })}>
      ${u.apps.map((a) => html`<option value=${a} ?selected=${u.scriptApps.includes(a)}>${a}</option>`)}
    </select>`;
  }

  private async act(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      this.error = '';
      this.message = t('common.saved');
      await this.users.reload();
    } catch (err) {
      this.error = errorText(err);
    }
  }

  private change(u: User, patch: { role?: Role; apps?: string[]; scriptApps?: string[] }): Promise<void> {
    return this.act(() => api.updateUser(u.id, patch));
  }

  private onSetPassword(u: User): Promise<void> {
    const password = prompt(t('users.newPassword', { user: u.username }), '');
    return password ? this.act(() => api.setPassword(u.id, password)) : Promise.resolve();
  }

  private onDelete(u: User): Promise<void> {
    return confirm(t('common.confirmDelete', { what: u.username })) ? this.act(() => api.deleteUser(u.id)) : Promise.resolve();
  }

  private async onCreate(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    await this.act(() =>
      api.createUser({
        username: String(d.get('username')),
        password: String(d.get('password')),
        role: String(d.get('role')) as Role,
        apps: d.getAll('apps').map(String),
        // A disabled select (not an OPERATOR) submits nothing: no grant.
        scriptApps: d.getAll('scriptApps').map(String),
      }),
    );
    if (!this.error) {
      form.reset();
      this.newRole = NEW_USER_ROLE;
    }
  }

  private async onOwnPassword(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    await this.act(() => api.setPassword(this.me.id, String(d.get('password')), String(d.get('current'))));
    if (!this.error) form.reset();
  }
}

customElements.define('oasis-user-list', OasisUserList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-user-list': OasisUserList;
  }
}
