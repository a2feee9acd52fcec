import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

/**
 * One message of a conversation, `seq` 1, 2, 3… in it. The names, avatars and `send_uuid` are
 * those of the message object built at send time, so every copy of it (frame, sync copy,
 * catch-up, history) is the same object (app/lib/messaging/messageView.ts).
 */
export class Message extends Model<InferAttributes<Message>, InferCreationAttributes<Message>> {
  declare id: CreationOptional<string>;
  declare conversation_id: string;
  declare seq: number;
  declare from_id: number;
  declare to_id: number;
  /** 1 single, 2 group. */
  declare chat_type: CreationOptional<number>;
  declare type: string;
  /** Canonical JSON of `data`; the revoke text once revoked. */
  declare data: string | null;
  /** JSON of `options`; NULL for `{}` and once revoked. */
  declare options: string | null;
  declare from_name: string;
  declare from_avatar: string;
  declare to_name: string;
  declare to_avatar: string;
  declare send_uuid: string;
  /** Group messages and notices: G (the group object) as at send time, JSON; NULL in single chats. */
  declare group_json: CreationOptional<string | null>;
  /** A notice's string `from_id` (the joined notice's `redirect-applyAddGroup…`); NULL: `from_id` is the sender. */
  declare from_ref: CreationOptional<string | null>;
  declare isremove: CreationOptional<number>;
  declare create_time: Date;
  declare revoke_time: CreationOptional<Date | null>;
}

export default (app: Application) => {
  const { BIGINT, INTEGER, TINYINT, STRING, TEXT, CHAR } = DataTypes;
  const AppMessage = class extends Message {};
  AppMessage.init({
    id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
    conversation_id: { type: BIGINT.UNSIGNED, allowNull: false },
    seq: { type: INTEGER.UNSIGNED, allowNull: false },
    from_id: { type: INTEGER.UNSIGNED, allowNull: false },
    to_id: { type: INTEGER.UNSIGNED, allowNull: false },
    chat_type: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
    type: { type: STRING(16), allowNull: false },
    data: { type: TEXT, allowNull: true },
    options: { type: TEXT, allowNull: true },
    from_name: { type: STRING(50), allowNull: false },
    from_avatar: { type: STRING(1000), allowNull: false },
    to_name: { type: STRING(50), allowNull: false },
    to_avatar: { type: STRING(4000), allowNull: false },
    send_uuid: { type: CHAR(36), allowNull: false },
    group_json: { type: TEXT, allowNull: true, defaultValue: null },
    from_ref: { type: STRING(100), allowNull: true, defaultValue: null },
    isremove: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 0 },
    create_time: { type: DataTypes.DATE(3), allowNull: false },
    revoke_time: { type: DataTypes.DATE(3), allowNull: true, defaultValue: null },
  }, {
    sequelize: app.model,
    modelName: 'Message',
    tableName: 'message',
    timestamps: false,
  });
  return AppMessage;
};
