import { LitElement, html } from 'lit';
import { APP_NAME_PATTERN } from '@oasis/worker-client/contracts';
import { api, errorText, type AppSummary, type Me } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { ListController } from './list-controller.js';
import { pageStyles, sharedStyles } from './styles.js';

/**
 * Checks a typed app name against the admin's rule as the user types. Not a `pattern` attribute:
 * browsers compile that with the `v` flag, where the rule's `[a-z0-9-]` is a syntax error, and an
 * invalid pattern is silently ignored (the old literal checked nothing).
 */
function checkAppName(e: Event): void {
  const input = e.target as HTMLInputElement;
  input.setCustomValidity(input.value === '' || APP_NAME_PATTERN.test(input.value) ? '' : t('apps.nameRule'));
}

/**
 * `<oasis-app-list>`: the apps (executor groups). ADMINs create apps, edit titles and rotate the
 * worker token; a new token is shown once, here, until the page is left.
 */
export class OasisAppList extends LitElement {
  static override properties = { me: { attribute: false }, shown: { state: true }, error: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare shown: { app: string; token: string } | null;
  declare error: string;
  private readonly i18n = new LangController(this);
  private readonly apps = new ListController<AppSummary>(this, { fetch: () => api.apps() });

  constructor() {
    super();
    this.shown = null;
    this.error = '';
  }

  override render() {
    const admin = this.me?.role === 'ADMIN';
    return html`
      <section aria-labelledby="apps-title">
        <div class="bar">
          <h2 id="apps-title">${t('nav.apps')}</h2>
          ${this.apps.refreshButton()}
        </div>
        <p class="error" role="alert">${this.error}</p>
        ${this.shown
          ? html`<p class="notice" role="status">${t('apps.token', { app: this.shown.app })} <code id="token">${this.shown.token}</code></p>`
          : ''}
        ${admin
          ? html`<form class="filters" @submit=${this.onCreate} aria-label=${t('apps.new')}>
              <label>${t('common.name')}<input name="name" id="new-app-name" required @input=${checkAppName} /></label>
              <label>${t('common.title')}<input name="title" id="new-app-title" /></label>
              <button type="submit">${t('apps.new')}</button>
            </form>`
          : ''}
        ${this.apps.render({
          columns: [t('common.name'), t('common.title'), t('common.created'), t('common.actions')],
          row: (app) => this.row(app, admin),
          empty: t('common.none'),
        })}
      </section>
    `;
  }

  private row(app: AppSummary, admin: boolean) {
    return html`<tr>
      <th scope="row"><code>${app.name}</code></th>
      <td>${app.title}</td>
      <td>${formatTime(app.createdAt)}</td>
      <td class="actions">
        <a href="#/workers/${app.name}">${t('nav.workers')}</a>
        <a href="#/jobs">${t('nav.jobs')}</a>
        ${admin
          ? html`<button class="secondary" type="button" @click=${() => this.onEdit(app)}>${t('common.edit')}</button>
              <button class="secondary" type="button" @click=${() => this.onRotate(app)}>${t('apps.rotate')}</button>`
          : ''}
      </td>
    </tr>`;
  }

  private async onCreate(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    try {
      const created = await api.createApp(String(data.get('name')), String(data.get('title') ?? ''));
      this.shown = { app: created.name, token: created.token };
      this.error = '';
      form.reset();
      await this.apps.reload();
    } catch (err) {
      this.error = errorText(err);
    }
  }

  private async onEdit(app: AppSummary): Promise<void> {
    const title = prompt(t('apps.editTitle', { app: app.name }), app.title);
    if (title === null) return;
    try {
      await api.updateApp(app.name, title);
      await this.apps.reload();
    } catch (err) {
      this.error = errorText(err);
    }
  }

  private async onRotate(app: AppSummary): Promise<void> {
    if (!confirm(t('apps.rotateConfirm', { app: app.name }))) return;
    try {
      const r = await api.rotateToken(app.name);
      this.shown = { app: app.name, token: r.token };
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

customElements.define('oasis-app-list', OasisAppList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-app-list': OasisAppList;
  }
}
