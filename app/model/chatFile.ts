import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

export type StoredKind = 'image' | 'audio' | 'video' | 'screenshot';

/**
 * One stored object: who uploaded it, what it is (database/migrations/20261128040001-create-chat-file.js).
 * getVideoScreenshot accepts only keys registered here as videos.
 */
export class ChatFile extends Model<InferAttributes<ChatFile>, InferCreationAttributes<ChatFile>> {
  declare id: CreationOptional<number>;
  /** NULL once the uploader's row is gone. */
  declare user_id: number | null;
  declare storage_key: string;
  declare kind: StoredKind;
  /** The sniffed type, never the client's. */
  declare mime: string;
  declare size: number;
  declare width: number | null;
  declare height: number | null;
  declare create_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { BIGINT, INTEGER, STRING, ENUM } = DataTypes;
  // A class per app instance (see app/model/user.ts).
  const AppChatFile = class extends ChatFile {};
  AppChatFile.init({
    id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
    user_id: { type: INTEGER.UNSIGNED, allowNull: true },
    storage_key: { type: STRING(255), allowNull: false },
    kind: { type: ENUM('image', 'audio', 'video', 'screenshot'), allowNull: false },
    mime: { type: STRING(100), allowNull: false },
    // BIGINT comes back as a string from mysql2 unless told otherwise; sizes fit a JS number.
    size: { type: BIGINT.UNSIGNED, allowNull: false, get(this: ChatFile) { return Number(this.getDataValue('size')); } },
    width: { type: INTEGER.UNSIGNED, allowNull: true },
    height: { type: INTEGER.UNSIGNED, allowNull: true },
    create_time: DataTypes.DATE(3),
  }, {
    sequelize: app.model,
    modelName: 'ChatFile',
    tableName: 'chat_file',
    createdAt: 'create_time',
    updatedAt: false,
  });
  return AppChatFile;
};
