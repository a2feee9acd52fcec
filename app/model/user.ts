import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

// Describes the table that database/migrations creates; the schema changes only there.
export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare uuid: string;
  declare username: string;
  declare password: string;
  declare nickname: CreationOptional<string>;
  declare avatar: string;
  declare mobile: CreationOptional<string | null>;
  declare email: CreationOptional<string | null>;
  declare status: CreationOptional<number>;
  declare last_login: CreationOptional<Date | null>;
  declare last_login_ip: CreationOptional<string | null>;
  declare register_time: Date;
  declare register_ip: string | null;
  declare is_deleted: CreationOptional<number>;
  declare wechat_openid: CreationOptional<string | null>;
  declare qq_openid: CreationOptional<string | null>;
  declare weibo_uid: CreationOptional<string | null>;
  declare role: CreationOptional<string>;
  declare is_email_verified: CreationOptional<number>;
  declare is_mobile_verified: CreationOptional<number>;
  declare order: CreationOptional<number>;
  /** 1: others must ask before adding me (autoAddFriendAndAgree refused). Not in the user object. */
  declare invite_confirm: CreationOptional<number>;
  /** Canonical JSON of my chat settings, '' if never set (README "Friends"). Not in the user object. */
  declare userset: CreationOptional<string>;
  /** Visitor mode: the device the account arrived from ('' if none) and the app's statistics fields. */
  declare devicefingeruuid: CreationOptional<string>;
  declare uniplatform: CreationOptional<string>;
  declare devicemodel: CreationOptional<string>;
  declare deviceos: CreationOptional<string>;
  declare devicebrand: CreationOptional<string>;
  declare create_time: CreationOptional<Date>;
  declare update_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { INTEGER, TINYINT, STRING } = DataTypes;
  const DATE = DataTypes.DATE(3);
  // A class per app instance: init() binds a class to one Sequelize instance, and the
  // dependency-fault tests run a second app (behind proxies) in the same process.
  const AppUser = class extends User {};
  AppUser.init({
    id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
    uuid: { type: STRING(36), allowNull: false },
    username: { type: STRING(20), allowNull: false },
    password: { type: STRING(255), allowNull: false },
    nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
    avatar: { type: STRING(1000), allowNull: false },
    mobile: { type: STRING(20), allowNull: true, defaultValue: null },
    email: { type: STRING(100), allowNull: true, defaultValue: null },
    status: { type: TINYINT, allowNull: false, defaultValue: 1 },
    last_login: { type: DATE, allowNull: true, defaultValue: null },
    last_login_ip: { type: STRING(45), allowNull: true, defaultValue: null },
    register_time: { type: DATE, allowNull: false },
    register_ip: { type: STRING(45), allowNull: true },
    is_deleted: { type: TINYINT, allowNull: false, defaultValue: 0 },
    wechat_openid: { type: STRING(64), allowNull: true, defaultValue: null },
    qq_openid: { type: STRING(64), allowNull: true, defaultValue: null },
    weibo_uid: { type: STRING(64), allowNull: true, defaultValue: null },
    role: { type: STRING(20), allowNull: false, defaultValue: 'user' },
    is_email_verified: { type: TINYINT, allowNull: false, defaultValue: 0 },
    is_mobile_verified: { type: TINYINT, allowNull: false, defaultValue: 0 },
    order: { type: INTEGER, allowNull: false, defaultValue: 50 },
    invite_confirm: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
    userset: { type: STRING(1000), allowNull: false, defaultValue: '' },
    devicefingeruuid: { type: STRING(200), allowNull: false, defaultValue: '' },
    uniplatform: { type: STRING(50), allowNull: false, defaultValue: '' },
    devicemodel: { type: STRING(50), allowNull: false, defaultValue: '' },
    deviceos: { type: STRING(50), allowNull: false, defaultValue: '' },
    devicebrand: { type: STRING(50), allowNull: false, defaultValue: '' },
    create_time: DATE,
    update_time: DATE,
  }, {
    sequelize: app.model,
    modelName: 'User',
    tableName: 'user',
    createdAt: 'create_time',
    updatedAt: 'update_time',
  });
  return AppUser;
};
