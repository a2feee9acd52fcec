// Groups (CONTRACT-groups §C; docs/api/groups.md): sizes and abuse limits (windows in seconds).
import { SectionOf } from './env';

export interface GroupsSection {
  /** Members one group may hold (owner included); joins, owner invites and approvals beyond answer 409. `GROUP_MAX_MEMBERS`, default 500, at least 2. */
  maxMembers: number;
  /** Groups one user may own; create beyond answers 409. `GROUP_MAX_OWNED`, default 100, at least 1. */
  maxOwned: number;
  /** Groups one user may create per hour, then 429. `GROUP_CREATE_LIMIT`, default 10, at least 1. */
  createLimit: number;
  /** Invites and self-joins one caller may make per hour, then 429. `GROUP_JOIN_LIMIT`, default 200, at least 1. */
  joinLimit: number;
  /** groupinfo previews (groups the caller is not a member of) per hour and user, then 429. `GROUP_PREVIEW_LIMIT`, default 60, at least 1. */
  previewLimit: number;
  /** groupQrcode images per minute and user, then 429. `QR_LIMIT`, default 30, at least 1. */
  qrLimit: number;
  /** Origins (scheme://host[:port]) an H5 QR code's `http` may have; empty: any. `QR_H5_ORIGINS`, comma-separated, default empty. */
  qrH5Origins: string[];
  /** `from_avatar` of the join notices (J of CONTRACT-groups §A). `GROUP_NOTICE_AVATAR`, default the course's group.png. */
  noticeAvatar: string;
}

/** The windows of the hourly and per-minute limits, in s. */
export const HOUR = 3600;
export const MINUTE = 60;

export const groupsSection: SectionOf<GroupsSection> = ({ envInt, envString }) => {
  const origins = envString('QR_H5_ORIGINS', '').split(',').map(item => item.trim()).filter(Boolean).map(item => {
    let origin: string;
    try {
      origin = new URL(item).origin;
    } catch {
      throw new Error(`Environment variable QR_H5_ORIGINS must list http(s) origins separated by commas, got "${item}"`);
    }
    if (!/^https?:/.test(origin)) throw new Error(`Environment variable QR_H5_ORIGINS must list http(s) origins, got "${item}"`);
    return origin;
  });
  return {
    maxMembers: envInt('GROUP_MAX_MEMBERS', 500, 2),
    maxOwned: envInt('GROUP_MAX_OWNED', 100, 1),
    createLimit: envInt('GROUP_CREATE_LIMIT', 10, 1),
    joinLimit: envInt('GROUP_JOIN_LIMIT', 200, 1),
    previewLimit: envInt('GROUP_PREVIEW_LIMIT', 60, 1),
    qrLimit: envInt('QR_LIMIT', 30, 1),
    qrH5Origins: origins,
    noticeAvatar: envString('GROUP_NOTICE_AVATAR', 'https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png'),
  };
};
