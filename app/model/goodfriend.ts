import { Application } from 'egg';
import { CreationOptional, DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

/**
 * One direction of a friendship: `user_id`'s row about `friend_id` (my remark, my flags).
 * A pair always has 0 or 2 rows (database/migrations/20261128000001-create-friends.js).
 */
export class Goodfriend extends Model<InferAttributes<Goodfriend>, InferCreationAttributes<Goodfriend>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare friend_id: number;
  /** My remark for the friend. */
  declare nickname: CreationOptional<string>;
  declare friendlookme: CreationOptional<number>;
  declare melookfriend: CreationOptional<number>;
  declare ismystarfriend: CreationOptional<number>;
  /** 1: I blacklisted the friend. */
  declare isblack: CreationOptional<number>;
  /** Admin state of the friendship: 1 normal. */
  declare status: CreationOptional<number>;
  declare order: CreationOptional<number>;
  declare create_time: CreationOptional<Date>;
  declare update_time: CreationOptional<Date>;
}

export default (app: Application) => {
  const { INTEGER, TINYINT, STRING } = DataTypes;
  const flag = (defaultValue: number) => ({ type: TINYINT.UNSIGNED, allowNull: false, defaultValue });
  // A class per app instance (see app/model/user.ts).
  const AppGoodfriend = class extends Goodfriend {};
  AppGoodfriend.init({
    id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
    user_id: { type: INTEGER.UNSIGNED, allowNull: false },
    friend_id: { type: INTEGER.UNSIGNED, allowNull: false },
    nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
    friendlookme: flag(1),
    melookfriend: flag(1),
    ismystarfriend: flag(0),
    isblack: flag(0),
    status: flag(1),
    order: { type: INTEGER, allowNull: false, defaultValue: 50 },
    create_time: DataTypes.DATE(3),
    update_time: DataTypes.DATE(3),
  }, {
    sequelize: app.model,
    modelName: 'Goodfriend',
    tableName: 'goodfriend',
    createdAt: 'create_time',
    updatedAt: 'update_time',
  });
  return AppGoodfriend;
};
