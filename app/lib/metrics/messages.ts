// The messenger actions of a cluster-wide scrape (app/lib/metrics/cluster.ts). Apart from the
// registry, so the agent (agent.ts) loads no metric.
export const ASK_PIDS = 'im-metrics:ask-pids';
export const PIDS = 'im-metrics:pids';
export const ASK_METRICS = 'im-metrics:ask';
export const METRICS = 'im-metrics:answer';

/** The agent's side: which app workers are listening now. */
export function answerPids(agent: { messenger: any }) {
  agent.messenger.on(ASK_PIDS, ({ id, from }: { id: string; from: number }) => {
    // egg's IPC messenger keeps the master's latest `egg-pids` (the app workers) in `opids`.
    agent.messenger.sendTo(from, PIDS, { id, pids: agent.messenger.opids ?? [] });
  });
}
