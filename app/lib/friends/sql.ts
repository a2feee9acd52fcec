// Plain statements of the friends services: every route reads the primary (a client reads back
// right after writing), and hot paths skip the model layer (README "Performance").
import { QueryTypes, Sequelize, Transaction } from 'sequelize';

type Replacements = Record<string, unknown>;

export function select<T extends object>(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<T[]> {
  return sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction, useMaster: true });
}

/** An UPDATE or DELETE; resolves to the number of rows it changed. */
export async function change(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<number> {
  return await sequelize.query(sql, { type: QueryTypes.BULKUPDATE, replacements, transaction }) as unknown as number;
}

/** An INSERT; resolves to the first new id. */
export async function insert(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<number> {
  const [ id ] = await sequelize.query(sql, { type: QueryTypes.INSERT, replacements, transaction });
  return id as unknown as number;
}

/**
 * Now, as a DATETIME(3) value in UTC (the connection's time zone). A Date replacement would be
 * written without its milliseconds: Sequelize formats it for a DATETIME without precision.
 */
export const utcNow = () => new Date(Date.now()).toISOString().slice(0, 23).replace('T', ' ');

/** A user's standing as every friends route reads it. */
export interface Standing {
  id: number;
  status: number;
  is_deleted: number;
  role: string;
  /** 1: others must apply first (autoAddFriendAndAgree refused). */
  invite_confirm: number;
  /** When the account was made (a new applicant's applications have their own cap). */
  create_time: Date;
}

/** Gone: disabled or deleted. Gone users are invisible to the friends routes; their rows stay. */
export const isGone = (user: Pick<Standing, 'status' | 'is_deleted'>) => user.status !== 1 || user.is_deleted !== 0;

/** SQL condition of a visible (not gone) user aliased `alias`. */
export const visible = (alias: string) => `${alias}.status = 1 AND ${alias}.is_deleted = 0`;
