// The `visitor_device` table (a device's one live visitor, README "Visitor mode") and the
// visitors' own reads of `user`: who is idle. Bindings through the Sequelize model (its primary
// key decides which of two parallel first calls of a device binds it).
import { ModelStatic, Sequelize, Transaction } from 'sequelize';
import { VisitorDevice } from '../model/visitorDevice';
import { select } from './statements';

// Idle: last seen (visitorRegister sets last_login) before the threshold; a visitor row that
// never got a last_login counts from its creation. Served by INDEX (role, last_login).
const IDLE = 'role = \'visitor\' AND (last_login < :before OR (last_login IS NULL AND create_time < :before))';

const ids = (rows: Array<{ id: number }>) => rows.map(row => row.id);

export class VisitorRepository {
  constructor(private readonly sequelize: Sequelize) {}

  private get VisitorDevice() {
    return this.sequelize.models.VisitorDevice as ModelStatic<VisitorDevice>;
  }

  /** The device's binding, locked until the transaction ends; null when the device has none. */
  lockBinding(deviceId: string, transaction: Transaction): Promise<VisitorDevice | null> {
    return this.VisitorDevice.findByPk(deviceId, { transaction, lock: transaction.LOCK.UPDATE });
  }

  /** Locks the bindings of these users (the visitor routes' lock order: binding, then user). */
  async lockBindingsOf(userIds: number[], transaction: Transaction): Promise<void> {
    await this.VisitorDevice.findAll({ where: { user_id: userIds }, transaction, lock: transaction.LOCK.UPDATE });
  }

  /** Whether the device has a binding, read on the primary. */
  async existsBinding(deviceId: string): Promise<boolean> {
    return (await this.VisitorDevice.count({ where: { device_id: deviceId }, useMaster: true })) > 0;
  }

  /** Binds the device to its new visitor; a device bound already rejects with UniqueConstraintError. */
  async saveBinding(deviceId: string, userId: number, now: Date, transaction: Transaction): Promise<void> {
    await this.VisitorDevice.create({ device_id: deviceId, user_id: userId, create_time: now, last_seen_time: now }, { transaction });
  }

  /** The device's last visitorRegister. */
  async saveLastSeen(deviceId: string, now: Date, transaction: Transaction): Promise<void> {
    await this.VisitorDevice.update({ last_seen_time: now }, { where: { device_id: deviceId }, transaction });
  }

  /** Removes the device's binding (upgraded, or stale). */
  async removeBinding(deviceId: string, transaction: Transaction): Promise<void> {
    await this.VisitorDevice.destroy({ where: { device_id: deviceId }, transaction });
  }

  /** Up to `limit` visitors last seen before `before`. */
  async listIdle(before: Date, limit: number): Promise<number[]> {
    return ids(await select<{ id: number }>(this.sequelize, `SELECT id FROM \`user\` WHERE ${IDLE} LIMIT :limit`, { before, limit }));
  }

  /** Those of `candidates` that are still idle visitors, their rows locked until the transaction ends. */
  async lockIdle(candidates: number[], before: Date, transaction: Transaction): Promise<number[]> {
    return ids(await select<{ id: number }>(this.sequelize, `SELECT id FROM \`user\` WHERE id IN (:candidates) AND ${IDLE} FOR UPDATE`,
      { candidates, before }, transaction));
  }
}
