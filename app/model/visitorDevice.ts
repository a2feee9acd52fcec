import { Application } from 'egg';
import { DataTypes, InferAttributes, InferCreationAttributes, Model } from 'sequelize';

/**
 * A device's one live visitor (README "Visitor mode"). The device id is the primary key, so a
 * device has at most one binding; upgrading the visitor to a user removes it, and the row goes
 * with its user when the purge deletes the visitor (ON DELETE CASCADE).
 */
export class VisitorDevice extends Model<InferAttributes<VisitorDevice>, InferCreationAttributes<VisitorDevice>> {
  declare device_id: string;
  declare user_id: number;
  declare create_time: Date;
  /** The device's last visitorRegister. */
  declare last_seen_time: Date;
}

export default (app: Application) => {
  // A class per app instance (see app/model/user.ts).
  const AppVisitorDevice = class extends VisitorDevice {};
  AppVisitorDevice.init({
    device_id: { type: DataTypes.STRING(64), primaryKey: true },
    user_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
    create_time: { type: DataTypes.DATE(3), allowNull: false },
    last_seen_time: { type: DataTypes.DATE(3), allowNull: false },
  }, {
    sequelize: app.model,
    modelName: 'VisitorDevice',
    tableName: 'visitor_device',
    timestamps: false,
  });
  return AppVisitorDevice;
};
