'use strict';
// At 1M users the search index (~1.2 GiB) and the user table (~290 MiB) do not fit MariaDB's
// default 128 MiB buffer pool; with O_DIRECT every miss is a disk read, and the bench would
// measure the disk. BENCH_BUFFER_POOL_MB (2048; 0 leaves the server as it is) sizes the pool
// for the run, as a server holding this data would be configured, and the old size comes back
// at the end. The change is global: other databases on the server share the pool meanwhile.
const mysql = require('mysql2/promise');

async function sizeBufferPool(settings, megabytes, log) {
  if (!megabytes) return async () => undefined;
  const connection = await mysql.createConnection(settings);
  try {
    const [[{ size }]] = await connection.query('SELECT @@innodb_buffer_pool_size AS size');
    const wanted = megabytes * 1048576;
    if (Number(size) >= wanted) {
      log(`InnoDB buffer pool: ${Math.round(size / 1048576)} MiB, left as it is`);
      return async () => undefined;
    }
    await connection.query('SET GLOBAL innodb_buffer_pool_size = ?', [ wanted ]);
    log(`InnoDB buffer pool: ${Math.round(size / 1048576)} -> ${megabytes} MiB for the run (BENCH_BUFFER_POOL_MB)`);
    return async () => {
      const restore = await mysql.createConnection(settings);
      await restore.query('SET GLOBAL innodb_buffer_pool_size = ?', [ Number(size) ]).finally(() => restore.end());
      log(`InnoDB buffer pool: back to ${Math.round(size / 1048576)} MiB`);
    };
  } finally {
    await connection.end();
  }
}

module.exports = { sizeBufferPool };
