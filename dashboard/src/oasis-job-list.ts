import { LitElement, html } from 'lit';
import { api, errorText, type Job, type Me } from './api.js';
import { formatSchedule, formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { LiveController } from './live.js';
import { ListController } from './list-controller.js';
import { pageStyles, sharedStyles } from './styles.js';

const stateOf = (j: Job): 'enabled' | 'paused' | 'stopped' => (!j.enabled ? 'stopped' : j.paused ? 'paused' : 'enabled');

/**
 * `<oasis-job-list>`: jobs, searchable by name or handler and filtered by app and state, with
 * start / stop / pause (with a note) / resume / run once (with params) / copy / delete (confirmed).
 * OPERATORs and ADMINs see the actions; VIEWERs read only.
 */
export class OasisJobList extends LitElement {
  static override properties = { me: { attribute: false }, app: { state: true }, state: { state: true }, text: { state: true }, message: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare app: string;
  declare state: string;
  declare text: string;
  declare message: string;
  private readonly i18n = new LangController(this);
  private readonly jobs = new ListController<Job>(this, { fetch: () => api.jobs() });
  private readonly liveCtl = new LiveController(this, { tasks: () => this.jobs.reloadSoon(2000) });

  constructor() {
    super();
    this.app = '';
    this.state = '';
    this.text = '';
    this.message = '';
  }

  override render() {
    const value = this.jobs.items;
    const canChange = this.me?.role !== 'VIEWER';
    const text = this.text.trim().toLowerCase();
    const rows = (value ?? []).filter(
      (j) =>
        (!this.app || j.app === this.app) &&
        (!this.state || stateOf(j) === this.state) &&
        (!text || j.name.toLowerCase().includes(text) || j.handler.toLowerCase().includes(text)),
    );
    const apps = [...new Set((value ?? []).map((j) => j.app))].sort();
    return html`
      <section aria-labelledby="jobs-title">
        <div class="bar">
          <h2 id="jobs-title">${t('nav.jobs')}</h2>
          <div class="actions">
            ${canChange ? html`<a href="#/jobs/new"><button type="button" tabindex="-1" id="new-job">${t('jobs.new')}</button></a>` : ''}
            ${this.jobs.refreshButton()}
          </div>
        </div>
        <div class="filters" role="search">
          <label>${t('common.search')}<input id="job-search" type="search" placeholder=${t('jobs.filterText')} .value=${this.text} @input=${(e: Event) => (this.text = (e.target as HTMLInputElement).value)} /></label>
          <label
            >${t('common.app')}<select id="job-app" @change=${(e: Event) => (this.app = (e.target as HTMLSelectElement).value)}>
              <option value="">${t('common.all')}</option>
              ${apps.map((a) => html`<option value=${a} ?selected=${a === this.app}>${a}</option>`)}
            </select></label
          >
          <label
            >${t('jobs.state')}<select id="job-state" @change=${(e: Event) => (this.state = (e.target as HTMLSelectElement).value)}>
              <option value="">${t('common.all')}</option>
              <option value="enabled">${t('jobs.enabled')}</option>
              <option value="paused">${t('jobs.paused')}</option>
              <option value="stopped">${t('jobs.stopped')}</option>
            </select></label
          >
        </div>
        <p class="muted" role="status">${this.message}</p>
        ${this.jobs.render({
          columns: ['ID', t('common.name'), t('common.app'), t('jobs.handler'), t('jobs.schedule'), t('jobs.state'), t('jobs.next'), t('common.actions')],
          rows,
          row: (j) => this.row(j, canChange),
          empty: t('common.none'),
        })}
      </section>
    `;
  }

  private row(j: Job, canChange: boolean) {
    const state = stateOf(j);
    const act = (label: string, fn: () => Promise<unknown>, cls = 'secondary') =>
      html`<button class=${cls} type="button" data-action=${label} @click=${() => this.run(fn)}>${label}</button>`;
    return html`<tr data-job=${j.id}>
      <td>${j.id}</td>
      <th scope="row"><a href="#/jobs/${j.id}">${j.name}</a></th>
      <td>${j.app}</td>
      <td><code>${j.handler}</code></td>
      <td>${formatSchedule(j.schedule)}</td>
      <td><span class=${state === 'enabled' ? 'badge ok' : state === 'paused' ? 'badge run' : 'badge bad'} title=${j.pauseNote ?? ''}>${t(`jobs.${state}`)}</span></td>
      <td>${formatTime(j.nextFireAt)}</td>
      <td class="actions">
        <a href="#/logs?jobId=${j.id}" @click=${(e: Event) => this.openLogs(e, j)}>${t('jobs.logs')}</a>
        ${canChange
          ? html`${j.enabled ? act(t('jobs.stop'), () => api.jobAction(j.id, 'stop')) : act(t('jobs.start'), () => api.jobAction(j.id, 'start'))}
            ${j.paused
              ? act(t('jobs.resume'), () => api.jobAction(j.id, 'resume'))
              : act(t('jobs.pause'), async () => {
                  const note = prompt(t('jobs.pauseNote', { job: j.name }), '');
                  if (note !== null) await api.pauseJob(j.id, note);
                })}
            ${act(t('jobs.trigger'), async () => {
              const params = prompt(t('jobs.triggerParams', { job: j.name }), j.params);
              if (params === null) return;
              const r = await api.triggerJob(j.id, params === j.params ? undefined : params);
              this.message = t('jobs.triggered', { id: r.taskId });
            })}
            <a href="#/jobs/new/${j.id}">${t('jobs.copy')}</a>
            ${act(
              t('common.delete'),
              async () => {
                if (confirm(t('common.confirmDelete', { what: `${j.name} (#${j.id})` }))) await api.deleteJob(j.id);
              },
              'danger',
            )}`
          : ''}
      </td>
    </tr>`;
  }

  private openLogs(e: Event, j: Job): void {
    e.preventDefault();
    sessionStorage.setItem('oasis.logs.filter', JSON.stringify({ app: j.app, jobId: j.id }));
    location.hash = '#/logs';
  }

  private async run(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      await this.jobs.reload();
    } catch (err) {
      this.message = errorText(err);
    }
  }
}

customElements.define('oasis-job-list', OasisJobList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-job-list': OasisJobList;
  }
}
