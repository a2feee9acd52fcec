import { ApiError } from '../errors';

/** GET /ws without an Upgrade header. */
export class UpgradeRequiredError extends ApiError {
  readonly status = 426;
  readonly key = 'messaging.error.useWebSocket';
  constructor() {
    super('messaging.error.useWebSocket');
    this.headers.Upgrade = 'websocket';
  }
}
