import { LitElement, html, type PropertyValues } from 'lit';
import { api, errorText, type AppSummary, type Job, type JobSchedule, type Me } from './api.js';
import { formatTime, fromLocalInput, toLocalInput } from './format.js';
import { LangController, t } from './i18n.js';
import { pageStyles, sharedStyles } from './styles.js';

const SCHEDULE_TYPES = ['CRON', 'FIXED_RATE', 'FIXED_DELAY', 'ONCE', 'NONE'] as const;
const MISFIRE = ['SKIP', 'FIRE_ONCE', 'FIRE_ALL'];
const OVERLAP = ['ALLOW', 'SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER'];
const ROUTING = ['FIRST', 'LAST', 'ROUND_ROBIN', 'RANDOM', 'CONSISTENT_HASH', 'LEAST_FREQUENTLY_USED', 'LEAST_RECENTLY_USED', 'FAILOVER', 'BUSYOVER', 'SHARDING_BROADCAST'];
const BACKOFF = ['FIXED', 'EXPONENTIAL'];
const LANGUAGES = ['shell', 'node', 'python'];

const num = (v: FormDataEntryValue | null): number | undefined => {
  const s = String(v ?? '').trim();
  return s === '' ? undefined : Number(s);
};
const list = (v: FormDataEntryValue | null, sep: RegExp): string[] =>
  String(v ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);

/** The schedule the form's fields describe (undefined values left out). */
function scheduleOf(d: FormData): JobSchedule {
  const type = String(d.get('scheduleType')) as JobSchedule['type'];
  const window = { startAt: fromLocalInput(String(d.get('startAt') ?? '')), endAt: fromLocalInput(String(d.get('endAt') ?? '')), maxRuns: num(d.get('maxRuns')) };
  const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
  switch (type) {
    case 'CRON':
      return clean({ type, cron: String(d.get('cron') ?? ''), timezone: String(d.get('timezone') ?? '') || undefined, ...window }) as JobSchedule;
    case 'FIXED_RATE':
      return clean({ type, everyMs: num(d.get('everyMs')) ?? 0, ...window }) as JobSchedule;
    case 'FIXED_DELAY':
      return clean({ type, delayMs: num(d.get('delayMs')) ?? 0, ...window }) as JobSchedule;
    case 'ONCE':
      return { type, at: fromLocalInput(String(d.get('at') ?? '')) ?? 0 };
    default:
      return { type: 'NONE' };
  }
}

/**
 * `<oasis-job-form>`: creates (`jobId` 0; `copyOf` prefills from a job) or edits a job with every
 * field the API has. The schedule helper asks the admin for the next 5 fire times as you type
 * (`POST /schedule/preview`) and shows its error when the schedule is wrong.
 */
export class OasisJobForm extends LitElement {
  static override properties = {
    me: { attribute: false }, jobId: { type: Number }, copyOf: { type: Number },
    job: { state: true }, apps: { state: true }, type: { state: true }, fires: { state: true }, previewError: { state: true },
    error: { state: true }, saved: { state: true },
  };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare jobId: number;
  declare copyOf: number;
  declare job: Job | null;
  declare apps: AppSummary[];
  declare type: JobSchedule['type'];
  declare fires: number[] | null;
  declare previewError: string;
  declare error: string;
  declare saved: string;
  private readonly i18n = new LangController(this);
  private previewTimer: number | undefined;

  constructor() {
    super();
    this.jobId = 0;
    this.copyOf = 0;
    this.job = null;
    this.apps = [];
    this.type = 'CRON';
    this.fires = null;
    this.previewError = '';
    this.error = '';
    this.saved = '';
  }

  override async connectedCallback(): Promise<void> {
    super.connectedCallback();
    try {
      this.apps = await api.apps();
      const from = this.jobId || this.copyOf;
      if (from) {
        this.job = await api.job(from);
        this.type = this.job.schedule.type;
      }
      await this.updateComplete;
      this.schedulePreview();
    } catch (err) {
      this.error = errorText(err);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('type')) this.schedulePreview();
  }

  override render() {
    const j = this.job;
    const s = (j?.schedule ?? { type: 'CRON', cron: '0 * * * * *' }) as Partial<Record<string, unknown>> & { type: string };
    const editing = this.jobId > 0;
    const readOnly = this.me?.role === 'VIEWER';
    const sel = (name: string, label: string, values: string[], current: string | undefined) =>
      html`<label>${label}<select name=${name} id=${name}>${values.map((v) => html`<option value=${v} ?selected=${v === current}>${v || t('form.scriptNone')}</option>`)}</select></label>`;
    const input = (name: string, label: string, value: unknown, type = 'text', extra: Record<string, string> = {}) =>
      html`<label>${label}<input name=${name} id=${name} type=${type} .value=${value === undefined || value === null ? '' : String(value)} min=${extra['min'] ?? ''} max=${extra['max'] ?? ''} step=${extra['step'] ?? ''} /></label>`;
    return html`
      <section aria-labelledby="form-title">
        <div class="bar">
          <h2 id="form-title">${editing ? t('form.editTitle', { id: this.jobId }) : t('form.createTitle')}</h2>
          <a href="#/jobs">${t('nav.jobs')}</a>
        </div>
        <p class="error" role="alert">${this.error}</p>
        <p class="muted" role="status">${this.saved}</p>
        <form id="job-form" @submit=${this.onSubmit} @input=${this.onInput}>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('form.basics')}</legend>
            <label
              >${t('common.app')}<select name="app" id="app" ?disabled=${editing} required>
                ${this.apps.map((a) => html`<option value=${a.name} ?selected=${a.name === j?.app}>${a.name}</option>`)}
              </select></label
            >
            ${input('name', t('common.name'), j ? (editing ? j.name : `${j.name}-copy`) : '')}
            ${input('handler', t('jobs.handler'), j?.handler ?? '')}
            <label class="check"><input type="checkbox" name="enabled" id="enabled" ?checked=${j?.enabled ?? true} />${t('form.enabled')}</label>
            <label class="wide">${t('form.params')}<textarea name="params" id="params" .value=${j?.params ?? ''}></textarea></label>
          </fieldset>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('jobs.schedule')}</legend>
            <label
              >${t('form.scheduleType')}<select name="scheduleType" id="scheduleType" @change=${(e: Event) => (this.type = (e.target as HTMLSelectElement).value as JobSchedule['type'])}>
                ${SCHEDULE_TYPES.map((v) => html`<option value=${v} ?selected=${v === this.type}>${v}</option>`)}
              </select></label
            >
            ${this.type === 'CRON' ? html`${input('cron', t('form.cron'), s['cron'] ?? '0 * * * * *')} ${input('timezone', t('form.timezone'), s['timezone'] ?? '')}` : ''}
            ${this.type === 'FIXED_RATE' ? input('everyMs', t('form.everyMs'), s['everyMs'] ?? 60000, 'number', { min: '100' }) : ''}
            ${this.type === 'FIXED_DELAY' ? input('delayMs', t('form.delayMs'), s['delayMs'] ?? 60000, 'number', { min: '100' }) : ''}
            ${this.type === 'ONCE' ? input('at', t('form.at'), toLocalInput((s['at'] as number | undefined) ?? Date.now() + 3_600_000), 'datetime-local', { step: '1' }) : ''}
            ${['CRON', 'FIXED_RATE', 'FIXED_DELAY'].includes(this.type)
              ? html`${input('startAt', t('form.startAt'), toLocalInput(s['startAt'] as number | undefined), 'datetime-local', { step: '1' })}
                ${input('endAt', t('form.endAt'), toLocalInput(s['endAt'] as number | undefined), 'datetime-local', { step: '1' })}
                ${input('maxRuns', t('form.maxRuns'), s['maxRuns'], 'number', { min: '1' })}`
              : ''}
            <div class="wide" aria-live="polite" id="preview">
              <strong>${t('form.preview')}</strong>
              ${this.previewError
                ? html`<p class="error">${t('form.previewError', { error: this.previewError })}</p>`
                : this.fires === null
                  ? html`<p class="muted">…</p>`
                  : this.fires.length === 0
                    ? html`<p class="muted">${t('form.previewNone')}</p>`
                    : html`<ol>${this.fires.map((f) => html`<li>${formatTime(f)}</li>`)}</ol>`}
            </div>
          </fieldset>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('form.policies')}</legend>
            ${sel('misfirePolicy', t('form.misfire'), MISFIRE, j?.misfire?.policy ?? 'SKIP')}
            ${input('misfireThresholdMs', t('form.threshold'), j?.misfire?.thresholdMs ?? '', 'number', { min: '0' })}
            ${sel('overlap', t('form.overlap'), OVERLAP, j?.overlap ?? 'ALLOW')} ${sel('routing', t('form.routing'), ROUTING, j?.routing ?? 'BUSYOVER')}
            ${input('timeoutMs', t('form.timeout'), j?.timeoutMs ?? 0, 'number', { min: '0' })}
          </fieldset>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('form.retry')}</legend>
            ${input('retryCount', t('form.retryCount'), j?.retry?.count ?? 0, 'number', { min: '0', max: '100' })}
            ${sel('retryBackoff', t('form.backoff'), BACKOFF, j?.retry?.backoff ?? 'FIXED')}
            ${input('retryDelayMs', t('form.retryDelay'), j?.retry?.delayMs ?? 1000, 'number', { min: '0' })}
            ${input('retryMaxDelayMs', t('form.retryMax'), j?.retry?.maxDelayMs ?? '', 'number', { min: '0' })}
            ${input('retryJitter', t('form.jitter'), j?.retry?.jitter ?? 0, 'number', { min: '0', max: '1', step: '0.05' })}
          </fieldset>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('form.children')} · ${t('form.alarm')}</legend>
            ${input('childJobIds', t('form.childIds'), (j?.childJobIds ?? []).join(', '))}
            <label class="check"><input type="checkbox" name="childOnFailure" ?checked=${j?.childOptions?.onFailure ?? false} />${t('form.childOnFailure')}</label>
            <label class="check"><input type="checkbox" name="childPassResult" ?checked=${j?.childOptions?.passResult ?? false} />${t('form.childPass')}</label>
            ${input('alarmEmails', t('form.emails'), (j?.alarm?.emails ?? []).join(', '))}
            <label>${t('form.webhooks')}<textarea name="alarmWebhooks" id="alarmWebhooks" .value=${(j?.alarm?.webhooks ?? []).join('\n')}></textarea></label>
          </fieldset>
          <fieldset ?disabled=${readOnly}>
            <legend>${t('form.script')}</legend>
            ${sel('scriptLanguage', t('form.scriptLang'), ['', ...LANGUAGES], j?.script?.language ?? '')}
            <label class="wide">${t('form.scriptSource')}<textarea name="scriptSource" id="scriptSource" .value=${j?.script?.source ?? ''}></textarea></label>
          </fieldset>
          ${readOnly ? '' : html`<button type="submit" id="save-job">${t('common.save')}</button>`}
        </form>
      </section>
    `;
  }

  private onInput(e: Event): void {
    const name = (e.target as HTMLInputElement).name;
    if (['cron', 'timezone', 'everyMs', 'delayMs', 'at', 'startAt', 'endAt', 'maxRuns'].includes(name)) this.schedulePreview();
  }

  private schedulePreview(): void {
    window.clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => void this.preview(), 300);
  }

  private async preview(): Promise<void> {
    const form = this.renderRoot.querySelector<HTMLFormElement>('#job-form');
    if (!form) return;
    const schedule = scheduleOf(new FormData(form));
    if (schedule.type === 'NONE') {
      this.fires = [];
      this.previewError = '';
      return;
    }
    try {
      this.fires = (await api.preview(schedule)).fires.slice(0, 5);
      this.previewError = '';
    } catch (err) {
      this.previewError = errorText(err);
    }
  }

  private async onSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const d = new FormData(e.currentTarget as HTMLFormElement);
    const language = String(d.get('scriptLanguage') ?? '');
    const threshold = num(d.get('misfireThresholdMs'));
    const maxDelay = num(d.get('retryMaxDelayMs'));
    const body: Record<string, unknown> = {
      name: String(d.get('name') ?? '').trim(),
      handler: String(d.get('handler') ?? '').trim() || undefined,
      params: String(d.get('params') ?? ''),
      enabled: d.get('enabled') === 'on',
      schedule: scheduleOf(d),
      misfire: { policy: String(d.get('misfirePolicy')), ...(threshold !== undefined && { thresholdMs: threshold }) },
      overlap: String(d.get('overlap')),
      routing: String(d.get('routing')),
      timeoutMs: num(d.get('timeoutMs')) ?? 0,
      retry: {
        count: num(d.get('retryCount')) ?? 0,
        backoff: String(d.get('retryBackoff')),
        delayMs: num(d.get('retryDelayMs')) ?? 0,
        ...(maxDelay !== undefined && { maxDelayMs: maxDelay }),
        jitter: num(d.get('retryJitter')) ?? 0,
      },
      childJobIds: list(d.get('childJobIds'), /[\s,]+/).map(Number),
      childOptions: { onFailure: d.get('childOnFailure') === 'on', passResult: d.get('childPassResult') === 'on' },
      alarm: { emails: list(d.get('alarmEmails'), /[\s,]+/), webhooks: list(d.get('alarmWebhooks'), /\s+/) },
      script: language ? { language, source: String(d.get('scriptSource') ?? '') } : null,
    };
    if (body['handler'] === undefined) delete body['handler'];
    try {
      const saved = this.jobId ? await api.updateJob(this.jobId, body) : await api.createJob({ app: String(d.get('app')), ...body });
      this.error = '';
      this.saved = t('form.saved');
      this.job = saved;
      if (!this.jobId) location.hash = `#/jobs/${saved.id}`;
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

customElements.define('oasis-job-form', OasisJobForm);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-job-form': OasisJobForm;
  }
}
