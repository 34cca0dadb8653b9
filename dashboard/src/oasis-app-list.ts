import { LitElement, html } from 'lit';
import { listApps, type AppSummary } from './api.js';
import { formatTime } from './format.js';
import { LoadController } from './load-controller.js';
import { sharedStyles } from './styles.js';

/** `<oasis-app-list>`: the apps (executor groups), loaded when shown, with a refresh button. */
export class OasisAppList extends LitElement {
  static override styles = sharedStyles;

  private readonly apps = new LoadController<AppSummary[]>(this, listApps);

  override render() {
    const { value, loading, error } = this.apps;
    return html`
      <section aria-labelledby="apps-title" aria-busy=${loading ? 'true' : 'false'}>
        <div class="bar">
          <h2 id="apps-title">Apps</h2>
          <button class="secondary" type="button" @click=${() => this.apps.reload()} ?disabled=${loading}>
            ${loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
        <p class="error" role="alert">${error ? `Could not load apps: ${error}` : ''}</p>
        ${value === undefined ? html`<p class="muted">${loading ? 'Loading apps…' : ''}</p>` : this.renderTable(value)}
      </section>
    `;
  }

  private renderTable(apps: AppSummary[]) {
    if (apps.length === 0) return html`<p class="muted">No apps yet.</p>`;
    return html`
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Title</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          ${apps.map(
            (app) => html`
              <tr>
                <th scope="row"><code>${app.name}</code></th>
                <td>${app.title}</td>
                <td>${formatTime(app.createdAt)}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
    `;
  }
}

customElements.define('oasis-app-list', OasisAppList);

declare global {
  interface HTMLElementTagNameMap {
    'oasis-app-list': OasisAppList;
  }
}
