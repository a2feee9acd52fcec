import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

/**
 * One chat: a pair of users (`user_a` < `user_b`) or, later, a group. Its row is the lock that
 * orders the conversation's messages and holds the next `seq`
 * (database/migrations/20261128020001-create-messaging.js).
 */
export class Conversation extends Model<InferAttributes<Conversation>, InferCreationAttributes<Conversation>> {
  /** BIGINT: read as a string by mysql2 once past 2^53; kept as given. */
  declare id: CreationOptional<string>;
  /** 1 single, 2 group. */
  declare chat_type: CreationOptional<number>;
  declare user_a: number | null;
  declare user_b: number | null;
  declare group_id: CreationOptional<number | null>;
  declare last_seq: CreationOptional<number>;
  declare last_message_id: CreationOptional<string | null>;
  /** Messages `user_a` / `user_b` have sent here. */
  declare sent_a: CreationOptional<number>;
  declare sent_b: CreationOptional<number>;
  declare create_time: CreationOptional<Date>;
  declare update_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { BIGINT, INTEGER, TINYINT } = DataTypes;
  const AppConversation = class extends Conversation {};
  AppConversation.init({
    id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
    chat_type: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
    user_a: { type: INTEGER.UNSIGNED, allowNull: true },
    user_b: { type: INTEGER.UNSIGNED, allowNull: true },
    group_id: { type: INTEGER.UNSIGNED, allowNull: true, defaultValue: null },
    last_seq: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
    last_message_id: { type: BIGINT.UNSIGNED, allowNull: true, defaultValue: null },
    sent_a: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
    sent_b: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
    create_time: DataTypes.DATE(3),
    update_time: DataTypes.DATE(3),
  }, {
    sequelize: app.model,
    modelName: 'Conversation',
    tableName: 'conversation',
    createdAt: 'create_time',
    updatedAt: 'update_time',
  });
  return AppConversation;
};
