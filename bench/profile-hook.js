'use strict';
// Preloaded into every process of the profiled server (NODE_OPTIONS=--require, bench/profile.js).
// Only the app worker acts: SIGUSR2 starts the V8 CPU profiler, the next SIGUSR2 stops it and
// writes PROFILE_DIR/<label>.cpuprofile, label read from PROFILE_DIR/label. So a profile holds
// one measured load and nothing of start-up or warm-up.
const cluster = require('node:cluster');
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const path = require('node:path');
const { Session } = require('node:inspector');

const dir = process.env.PROFILE_DIR;
if (dir && cluster.isWorker) {
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => {
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
  });
  let running = false;
  process.on('SIGUSR2', async () => {
    try {
      if (!running) {
        running = true;
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: Number(process.env.PROFILE_INTERVAL_US || 250) });
        await post('Profiler.start');
        writeFileSync(path.join(dir, 'started'), String(Date.now()));
        return;
      }
      running = false;
      const { profile } = await post('Profiler.stop');
      const label = readFileSync(path.join(dir, 'label'), 'utf8').trim();
      const file = path.join(dir, `${label}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      writeFileSync(path.join(dir, 'error'), String(err && err.stack));
    }
  });
  writeFileSync(path.join(dir, `worker-${process.pid}.pid`), String(process.pid));
}
