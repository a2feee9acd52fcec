// The auth check's primary-key lookup, on every authenticated request (README "Performance").
// It borrows a connection from Sequelize's own pool (so the same host, credentials, replication
// choice, query timeout and fault behaviour) and runs one prepared statement on it with mysql2's
// `execute`: MariaDB parses the statement once per connection, and the request skips Sequelize's
// query pipeline (replacements, query object, result mapping), which cost more than the driver.
import type { Connection, RowDataPacket } from 'mysql2';
import type { Sequelize } from 'sequelize';

/** What every authenticated request needs to know of its user. */
export interface Standing {
  id: number;
  status: number;
  is_deleted: number;
  role: string;
}

const SQL = 'SELECT id, status, is_deleted, role FROM `user` WHERE id = ?';

/** The user's standing as stored now, on the primary (never a replica), or null. */
export async function findStanding(sequelize: Sequelize, id: number): Promise<Standing | null> {
  const manager = sequelize.connectionManager;
  const pooled = await manager.getConnection({ type: 'write' });
  try {
    const rows = await new Promise<RowDataPacket[]>((resolve, reject) => {
      (pooled as unknown as Connection).execute<RowDataPacket[]>(SQL, [ id ], (err, result) => (err ? reject(err) : resolve(result)));
    });
    return (rows[0] as Standing | undefined) ?? null;
  } finally {
    // A connection that failed is dropped by the pool's validation before its next use.
    manager.releaseConnection(pooled);
  }
}
