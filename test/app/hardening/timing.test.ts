import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { app, mm } from 'egg-mock/bootstrap';
import { post, register } from '../../helpers';

const TRIES = 30;

async function timedLogin(username: string, password: string): Promise<number> {
  const started = performance.now();
  const res = await post('/api/loginChat').type('form').send({ username, password });
  const took = performance.now() - started;
  assert.equal(res.status, 400);
  return took;
}

const median = (values: number[]) => {
  const sorted = [ ...values ].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.floor(sorted.length / 2)]) / 2;
};

describe('login timing (CONTRACT: no measurable difference between wrong password and unknown user)', () => {
  it(`wrong-password and unknown-user medians over ${TRIES} tries each are within 20 %`, async () => {
    // This test is about timing, not the abuse limits it would otherwise run into.
    mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, loginFailLimitUserIp: 1000, loginFailLimitIp: 1000 });
    await register('timed1');
    // Warm-up: connections, JIT, and the one-off decoy hash for unknown users.
    for (let i = 0; i < 3; i++) {
      await timedLogin('timed1', 'wrong-password');
      await timedLogin('nobody1', 'wrong-password');
    }
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    // Interleaved, taking turns at going first, so load from elsewhere on the machine hits both alike.
    for (let i = 0; i < TRIES; i++) {
      const wrong = () => timedLogin('timed1', `wrong-password-${i}`).then(ms => wrongPassword.push(ms));
      const unknown = () => timedLogin(`nobody_${i}`, `wrong-password-${i}`).then(ms => unknownUser.push(ms));
      if (i % 2) await wrong().then(unknown);
      else await unknown().then(wrong);
    }
    const [ a, b ] = [ median(wrongPassword), median(unknownUser) ];
    const difference = Math.abs(a - b) / Math.min(a, b);
    // eslint-disable-next-line no-console
    console.log(`      median wrong password ${a.toFixed(1)} ms, unknown user ${b.toFixed(1)} ms, difference ${(difference * 100).toFixed(1)} %`);
    assert.ok(difference <= 0.2, `medians ${a.toFixed(1)} ms vs ${b.toFixed(1)} ms differ by ${(difference * 100).toFixed(1)} %`);
  });
});
