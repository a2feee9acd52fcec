// CONTRACT-admin §3: a failed admin login takes the same time (within 20 %) whether the name
// exists or not. Runs alone (scripts/test.js ALONE): other processes' load would skew the medians.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { createAdmin, loginForm, postLogin } from './support';

describe('admin login timing (CONTRACT-admin §3)', () => {
  afterEach(() => mock.restore());

  it('takes the same time for an unknown name as for a wrong password (within 20 %)', async () => {
    await createAdmin('root1');
    mock(app.config.im.admin, 'loginLimitIp', 100);
    mock(app.config.im.admin, 'loginLimitAccount', 100);
    const form = await loginForm();
    // The login POST alone, samples interleaved, medians compared (the machine's other load hits both alike).
    const time = async (username: string) => {
      const started = process.hrtime.bigint();
      assert.equal((await postLogin({ username, password: 'wrong-password-1' }, form)).status, 400);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('nobody'); // the decoy hash is made once
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time('root1'));
      unknown.push(await time(`nobody${i}`));
    }
    const median = (xs: number[]) => [ ...xs ].sort((a, b) => a - b)[4];
    const ratio = median(unknown) / median(known);
    assert.ok(ratio > 0.8 && ratio < 1.2, `unknown/known = ${ratio} (${unknown} vs ${known} ms)`);
  });
});
