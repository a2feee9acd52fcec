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

/** A socket's session is over (a logout since its handshake): the socket was not registered. */
export class SessionOverError extends Error {
  constructor() {
    super('session over');
  }
}
