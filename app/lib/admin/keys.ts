// Redis keys of the console (CONTRACT-admin §3, §4). The figures' keys share one hash tag so the
// dashboard reads them with one command on Redis Cluster.

export const sessionKey = (prefix: string, sid: string) => `${prefix}sess:${sid}`;
/** The session ids of one admin (ended together when the admin is disabled or changes password). */
export const adminSessionsKey = (prefix: string, adminId: number) => `${prefix}sessions:${adminId}`;
export const loginFailAccountKey = (prefix: string, username: string) => `${prefix}fail:a:${username.toLowerCase()}`;
export const loginFailIpKey = (prefix: string, ip: string) => `${prefix}fail:ip:${ip}`;
/** A TOTP time step used by an admin: a code is accepted once. */
export const totpUsedKey = (prefix: string, adminId: number, step: number) => `${prefix}totp:${adminId}:${step}`;

const FIGURES = 'im:admin:{fig}';
/** Per process: the users with a live socket there (HyperLogLog, rewritten every few seconds). */
export const onlineUsersKey = (processId: string) => `${FIGURES}:online:${processId}`;
/** Per process: `<open sockets> <ms of the report>`. */
export const processReportsKey = () => `${FIGURES}:procs`;
/** Messages stored in one minute (epoch minute) and one day (YYYY-MM-DD in APP_TIMEZONE). */
export const messagesMinuteKey = (epochMinute: number) => `${FIGURES}:msg:m:${epochMinute}`;
export const messagesDayKey = (day: string) => `${FIGURES}:msg:d:${day}`;
/** Registrations of one completed day (YYYY-MM-DD in APP_TIMEZONE): counted once, kept 32 days. */
export const registrationsDayKey = (day: string) => `${FIGURES}:reg:d:${day}`;
/** The cached figures that cost a query (user totals, registrations). */
export const cachedFiguresKey = () => `${FIGURES}:cache`;
export const cachedFiguresLockKey = () => `${FIGURES}:cache:lock`;
