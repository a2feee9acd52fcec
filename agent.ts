import { Agent, IBoot } from 'egg';
import { answerPids } from './app/lib/metrics/messages';

export default class AgentBoot implements IBoot {
  constructor(private readonly agent: Agent) {}

  async didLoad() {
    // GET /metrics: tells the scraped worker which app workers to ask (app/lib/metrics/cluster.ts).
    answerPids(this.agent);
  }
}
