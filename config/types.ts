// The app's own configuration, `app.config.im`: one typed, documented section per concern
// (config/sections/*.ts). typings/index.d.ts declares it on EggAppConfig, so a misspelt field
// fails tsc.
import { AdminSection } from './sections/admin';
import { FilesSection } from './sections/files';
import { FriendsSection } from './sections/friends';
import { GroupsSection } from './sections/groups';
import { MessagingSection } from './sections/messaging';
import { MetricsSection } from './sections/metrics';
import { PasswordSection, RateLimitSection, SearchSection, SessionSection, TokenSection, UserSection } from './sections/accounts';
import { HealthSection, HttpSection, ShutdownSection } from './sections/server';
import { VisitorsSection } from './sections/visitors';

export interface ImConfig {
  /** Connection timeouts (app/lib/httpTimeouts.ts). */
  http: HttpSection;
  /** Deepest array/object nesting of a parsed JSON or form body (422 beyond it). `BODY_MAX_DEPTH`, default 32, at least 2. */
  bodyMaxDepth: number;
  /** Login tokens. */
  token: TokenSection;
  /** Sessions. */
  session: SessionSection;
  /** scrypt password hashing. */
  password: PasswordSection;
  /** The user object. */
  user: UserSection;
  /** User search. */
  search: SearchSection;
  /** GET /api/health. */
  health: HealthSection;
  /** The drain of `npm stop`. */
  shutdown: ShutdownSection;
  /** Abuse limits of the account routes. */
  rateLimit: RateLimitSection;
  /** Visitor mode. */
  visitors: VisitorsSection;
  /** WebSockets, sendmessage and the inboxes. */
  messaging: MessagingSection;
  /** Friends. */
  friends: FriendsSection;
  /** Group chats: sizes and limits. */
  groups: GroupsSection;
  /** GET /metrics. */
  metrics: MetricsSection;
  /** Uploads, serving and screenshots; also sets config.multipart. */
  files: FilesSection;
  /** The operator console under /admin. */
  admin: AdminSection;
}
