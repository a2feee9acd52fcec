import { Controller } from 'egg';
import { UpgradeRequiredError } from '../../lib/messaging/errors';

export default class SocketController extends Controller {
  /** GET /ws without `Upgrade: websocket` (the upgrade itself is app/realtime/upgrade.ts). */
  async withoutUpgrade() {
    throw new UpgradeRequiredError();
  }
}
