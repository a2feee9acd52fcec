// "+08:00" -> minutes east of UTC.
export function parseOffset(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new Error(`Time zone offset must look like +08:00, got "${offset}"`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD HH:mm:ss of an instant, as a clock at the given offset shows it. */
export function formatLocal(date: Date, offset: string): string {
  const d = new Date(date.getTime() + parseOffset(offset) * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * An instant as a DATETIME(3) value in UTC (the connection's time zone), milliseconds kept: a
 * Date replacement would be written without them (Sequelize formats it for a DATETIME without
 * precision). The one time format of every statement. Now is read through Date.now(), which
 * tests pin to check stored times to the millisecond.
 */
export const sqlTime = (date: Date = new Date(Date.now())) => date.toISOString().slice(0, 23).replace('T', ' ');
