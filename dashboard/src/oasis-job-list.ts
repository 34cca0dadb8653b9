import { LitElement, html } from 'lit';
import { listJobs, type JobSummary } from './api.js';
import { formatSchedule, formatTime } from './format.js';
import { LoadController } from './load-controller.js';
import { sharedStyles } from './styles.js';

/** `<oasis-job-list>`: every job with its schedule and next fire time, with a refresh button. */
export class OasisJobList extends LitElement {
  static override styles = sharedStyles;

  private readonly jobs = new LoadController<JobSummary[]>(this, listJobs);

  override render() {
    const { value, loading, error } = this.jobs;
    return html`
      <section aria-labelledby="jobs-title" aria-busy=${loading ? 'true' : 'false'}>
        <div class="bar">
          <h2 id="jobs-title">Jobs</h2>
          <button class="secondary" type="button" @click=${() => this.jobs.reload()} ?disabled=${loading}>
            ${loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
        <p class="error" role="alert">${error ? `Could not load jobs: ${error}` : ''}</p>
        ${value === undefined ? html`<p class="muted">${loading ? 'Loading jobs…' : ''}</p>` : this.renderTable(value)}
      </section>
    `;
  }

  private renderTable(jobs: JobSummary[]) {
    if (jobs.length === 0) return html`<p class="muted">No jobs yet.</p>`;
    return html`
      <table>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">App</th>
            <th scope="col">Handler</th>
            <th scope="col">Schedule</th>
            <th scope="col">State</th>
            <th scope="col">Next fire</th>
          </tr>
        </thead>
        <tbody>
          ${jobs.map(
            (job) => html`
              <tr>
                <td>${job.id}</td>
                <th scope="row">${job.name}</th>
                <td><code>${job.app}</code></td>
                <td><code>${job.handler}</code></td>
                <td>${formatSchedule(job.schedule)}</td>
                <td>${job.enabled ? 'Running' : 'Stopped'}</td>
                <td>${job.enabled ? formatTime(job.nextFireAt) : '—'}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
    `;
  }
}

customElements.define('oasis-job-list', OasisJobList);

declare global {
  interface HTMLElementTagNameMap {
    'oasis-job-list': OasisJobList;
  }
}
