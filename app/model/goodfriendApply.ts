import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

export type ApplyStatus = 'pending' | 'refuse' | 'agree' | 'ignore';

/** `user_id` asked `friend_id` to be friends; one row per ordered pair, replaced on re-apply. */
export class GoodfriendApply extends Model<InferAttributes<GoodfriendApply>, InferCreationAttributes<GoodfriendApply>> {
  declare id: CreationOptional<number>;
  /** The applicant. */
  declare user_id: number;
  /** The target. */
  declare friend_id: number;
  /** The applicant's message. */
  declare nickname: CreationOptional<string>;
  declare friendlookme: CreationOptional<number>;
  declare melookfriend: CreationOptional<number>;
  declare ismystarfriend: CreationOptional<number>;
  declare isblack: CreationOptional<number>;
  declare status: CreationOptional<ApplyStatus>;
  declare order: CreationOptional<number>;
  declare create_time: CreationOptional<Date>;
  declare update_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { INTEGER, TINYINT, STRING, ENUM } = DataTypes;
  const flag = (defaultValue: number) => ({ type: TINYINT.UNSIGNED, allowNull: false, defaultValue });
  const AppGoodfriendApply = class extends GoodfriendApply {};
  AppGoodfriendApply.init({
    id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
    user_id: { type: INTEGER.UNSIGNED, allowNull: false },
    friend_id: { type: INTEGER.UNSIGNED, allowNull: false },
    nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
    friendlookme: flag(1),
    melookfriend: flag(1),
    ismystarfriend: flag(0),
    isblack: flag(0),
    status: { type: ENUM('pending', 'refuse', 'agree', 'ignore'), allowNull: false, defaultValue: 'pending' },
    order: { type: INTEGER, allowNull: false, defaultValue: 50 },
    create_time: DataTypes.DATE(3),
    update_time: DataTypes.DATE(3),
  }, {
    sequelize: app.model,
    modelName: 'GoodfriendApply',
    tableName: 'goodfriendapply',
    createdAt: 'create_time',
    updatedAt: 'update_time',
  });
  return AppGoodfriendApply;
};
