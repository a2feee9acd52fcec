// Redis keys of messaging (README "Messaging", data model). Every key of one user carries the
// user id as hash tag `{<uid>}`, so a script may touch several of them on Redis Cluster.

/** The user's inbox: a Stream of entries, each a message, sync copy, revoke or notice. */
export const inboxKey = (uid: number) => `im:inbox:{${uid}}`;

/** Per session the last entry its device confirmed (`<sid>`), when it was last seen (`seen:<sid>`), and `_max`. */
export const cursorKey = (uid: number) => `im:cur:{${uid}}`;

/** Open sockets of the user's sessions on every process: `<sid> <socket id>` scored by open number. */
export const socketsKey = (uid: number) => `im:ws:{${uid}}`;

/** Per session the socket reading its cursor: `<sid>` -> `<socket id> <process id>` (README "Messaging", confirmations). */
export const holdKey = (uid: number) => `im:hold:{${uid}}`;

/** Present while the process is alive and reaches Redis (refreshed by its dependency watch). */
export const processKey = (processId: string) => `im:proc:${processId}`;
/** The user's open counter: each registered socket open takes the next number (newest = highest). */
export const socketOrderKey = (uid: number) => `im:wsn:{${uid}}`;

/** A sender's `client_msg_id` -> the id of the message it created. */
export const clientMsgKey = (uid: number, clientMsgId: string) => `im:cmid:{${uid}}:${clientMsgId}`;

/** The user's event channel; `prefix` is configurable (MSG_CHANNEL_PREFIX). */
export const eventChannel = (prefix: string, uid: number) => `${prefix}{${uid}}`;

/** The user id of an event channel, or null. */
export function channelUser(prefix: string, channel: string): number | null {
  if (!channel.startsWith(prefix)) return null;
  const match = /^\{(\d+)\}$/.exec(channel.slice(prefix.length));
  return match ? Number(match[1]) : null;
}
