/**
 * The queue panel: running and pending jobs with their graph title, who queued them, progress with
 * ETA for running ones, and a cancel button each (interrupts a running job, removes a pending one).
 */
import type { ReactNode } from 'react';
import { jobLabel, type JobView } from '../run/job-board.ts';
import { progressLabel } from '../run/job-progress.ts';
import type { AppController } from './app-controller.ts';
import { useStore } from './store.ts';

function JobRow({ job, onCancel }: { job: JobView; onCancel(): void }): ReactNode {
  const fraction = job.fraction ?? 0;
  return (
    <li className={`job ${job.status}`} data-testid="queue-job" data-prompt-id={job.promptId} data-status={job.status}>
      <div className="job-line">
        <span className="job-name" title={job.promptId}>
          {jobLabel(job)}
        </span>
        <span className="job-owner">{job.own ? 'this tab' : 'other client'}</span>
        <button
          className="small"
          title={job.status === 'running' ? 'Interrupt this job' : 'Remove this job from the queue'}
          aria-label={`Cancel ${jobLabel(job)}`}
          data-testid="queue-job-cancel"
          onClick={onCancel}
        >
          ✕
        </button>
      </div>
      {job.status === 'running' && (
        <div className="job-progress" data-testid="queue-job-progress">
          <span className="bar" style={{ width: `${Math.round(fraction * 100)}%` }} />
          <span className="label">{progressLabel(fraction, job.etaMs)}</span>
        </div>
      )}
    </li>
  );
}

export function QueuePanel({ app }: { app: AppController }): ReactNode {
  const { jobs } = useStore(app.runs.jobs.state);
  return (
    <section className="queue-panel">
      <h3>Queue</h3>
      <ul className="job-list" data-testid="queue-list">
        {jobs.map((job) => (
          <JobRow key={job.promptId} job={job} onCancel={() => void app.runs.cancel(job.promptId)} />
        ))}
        {jobs.length === 0 && <li className="empty">Nothing queued.</li>}
      </ul>
    </section>
  );
}
