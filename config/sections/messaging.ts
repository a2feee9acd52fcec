// CONTRACT: messaging limits (README "Messaging", "Configuration").
import { SectionOf } from './env';

/** WebSockets, sendmessage and the inboxes. */
export interface MessagingSection {
  /** WebSocket handshakes per IP per minute (refused ones included), then 429 unless the token names a live session. `WS_CONNECT_LIMIT_IP`, default 60, at least 1. */
  wsConnectLimitIp: number;
  /** Ceiling of open sockets of one session (all processes); beyond, the oldest passive ones are dropped. `WS_MAX_PER_SESSION`, default 4096, at least 1. */
  wsMaxPerSession: number;
  /** Sockets one process holds; beyond, handshakes answer 503. `WS_MAX_PER_PROCESS`, default 50000, at least 1. */
  wsMaxPerProcess: number;
  /** sendmessage attempts per sender per minute. `MSG_RATE_LIMIT`, default 60, at least 1. */
  msgRateLimit: number;
  /** New conversations a sender may start per day. `MSG_NEW_CONV_LIMIT`, default 100, at least 1. */
  msgNewConvLimit: number;
  /** How long a message can be revoked, in minutes. `REVOKE_WINDOW_MINUTES`, default 5, at least 1. */
  revokeWindowMinutes: number;
  /** Entries a user's inbox keeps. `INBOX_MAX`, default 1000, at least 1. */
  inboxMax: number;
  /** Seconds an inbox keeps its entries. `INBOX_TTL`, default 2592000, at least 1. */
  inboxTtl: number;
  /**
   * Prefix of the per-user event channels. Pub/sub channels are shared by every database of a
   * Redis server: deployments (or test runs) sharing one server set different prefixes.
   * `MSG_CHANNEL_PREFIX`, default `im:ev:` (tests: `im:test<pid>:ev:`).
   */
  channelPrefix: string;
  /** Heartbeat period, in ms. `WS_HEARTBEAT_MS`, default 30000, at least 100. */
  heartbeatMs: number;
  /** Silence after which a socket is dropped, in ms. `WS_IDLE_TIMEOUT_MS`, default 60000, at least 100. */
  idleTimeoutMs: number;
  /** How often a socket's user row is re-checked, in ms. `WS_USER_CHECK_MS`, default 60000, at least 100. */
  userCheckMs: number;
  /** How often each process checks Redis and MySQL, in ms (sockets are dropped while one is down). `WS_HEALTH_CHECK_MS`, default 1000, at least 100. */
  healthCheckMs: number;
  /** Unsent bytes a socket may hold; a slower reader is dropped and catches up on reconnect. `WS_MAX_BUFFERED_BYTES`, default 1048576, at least 1024. */
  maxBufferedBytes: number;
  /** Frames sent and not yet confirmed by a pong (at most one batch is ever sent twice). Fixed: 50. */
  batch: number;
  /** Frames a client may send per clientFrameWindowMs. Fixed: 20. */
  clientFrameLimit: number;
  /** Window of clientFrameLimit, in ms. Fixed: 10000. */
  clientFrameWindowMs: number;
  /** Largest frame a client may send, in bytes (the socket's maxPayload). Fixed: 4096. */
  maxFrameBytes: number;
  /** Largest sendmessage body (app/middleware/messageBody.ts). Fixed: `64kb`. */
  bodyLimit: string;
  /** Seconds a `client_msg_id` remembers its message. Fixed: 86400. */
  clientMsgTtl: number;
  /** How long a send claims its `client_msg_id` while it stores the message, in ms. Fixed: 30000. */
  clientMsgClaimMs: number;
  /** How long a retried send waits for the claiming send's answer, in ms. Fixed: 5000. */
  clientMsgWaitMs: number;
  /** Sends stored in one transaction at most (the send path's group commit, docs/performance.md). Fixed: 64. */
  sendBatchMax: number;
  /** Batches of sends a process stores at once; later sends wait for the next batch. Fixed: 2. */
  sendBatchInFlight: number;
  /** How long a send waits for the batches in flight before its batch starts beside them, in ms. Fixed: 20. */
  sendBatchWaitMs: number;
}

export const messagingSection: SectionOf<MessagingSection> = ({ envInt, envString }) => {
  return {
    wsConnectLimitIp: envInt('WS_CONNECT_LIMIT_IP', 60, 1),
    wsMaxPerSession: envInt('WS_MAX_PER_SESSION', 4096, 1),
    wsMaxPerProcess: envInt('WS_MAX_PER_PROCESS', 50000, 1),
    msgRateLimit: envInt('MSG_RATE_LIMIT', 60, 1),
    msgNewConvLimit: envInt('MSG_NEW_CONV_LIMIT', 100, 1),
    revokeWindowMinutes: envInt('REVOKE_WINDOW_MINUTES', 5, 1),
    inboxMax: envInt('INBOX_MAX', 1000, 1),
    inboxTtl: envInt('INBOX_TTL', 2592000, 1),
    channelPrefix: envString('MSG_CHANNEL_PREFIX', 'im:ev:'),
    heartbeatMs: envInt('WS_HEARTBEAT_MS', 30000, 100),
    idleTimeoutMs: envInt('WS_IDLE_TIMEOUT_MS', 60000, 100),
    userCheckMs: envInt('WS_USER_CHECK_MS', 60000, 100),
    healthCheckMs: envInt('WS_HEALTH_CHECK_MS', 1000, 100),
    maxBufferedBytes: envInt('WS_MAX_BUFFERED_BYTES', 1048576, 1024),
    batch: 50,
    clientFrameLimit: 20,
    clientFrameWindowMs: 10000,
    maxFrameBytes: 4096,
    bodyLimit: '64kb',
    clientMsgTtl: 86400,
    clientMsgClaimMs: 30000,
    clientMsgWaitMs: 5000,
    sendBatchMax: 64,
    sendBatchInFlight: 2,
    sendBatchWaitMs: 20,
  };
};
