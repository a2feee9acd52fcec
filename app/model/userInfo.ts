import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

/** A user's public profile; at most one row per user, none until something is set. */
export class UserInfo extends Model<InferAttributes<UserInfo>, InferCreationAttributes<UserInfo>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare gender: CreationOptional<'male' | 'female' | 'unknown'>;
  /** `YYYY-MM-DD`. */
  declare birthday: CreationOptional<string | null>;
  declare bio: CreationOptional<string | null>;
  declare location: CreationOptional<string | null>;
  declare website: CreationOptional<string | null>;
  declare order: CreationOptional<number>;
  declare create_time: CreationOptional<Date>;
  declare update_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { INTEGER, STRING, ENUM, DATEONLY } = DataTypes;
  const AppUserInfo = class extends UserInfo {};
  AppUserInfo.init({
    id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
    user_id: { type: INTEGER.UNSIGNED, allowNull: false },
    gender: { type: ENUM('male', 'female', 'unknown'), allowNull: false, defaultValue: 'unknown' },
    birthday: { type: DATEONLY, allowNull: true, defaultValue: null },
    bio: { type: STRING(200), allowNull: true, defaultValue: null },
    location: { type: STRING(100), allowNull: true, defaultValue: null },
    website: { type: STRING(255), allowNull: true, defaultValue: null },
    order: { type: INTEGER, allowNull: false, defaultValue: 50 },
    create_time: DataTypes.DATE(3),
    update_time: DataTypes.DATE(3),
  }, {
    sequelize: app.model,
    modelName: 'UserInfo',
    tableName: 'user_info',
    createdAt: 'create_time',
    updatedAt: 'update_time',
  });
  return AppUserInfo;
};
