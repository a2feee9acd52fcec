// Moved to app/repository/friends.sql.ts (the friends repository's statements). This re-export
// only keeps app/service/messaging/store.ts (the messaging repository's work, not edited here)
// compiling until it imports BLOCKS from app/repository/friends; delete it then.
export { BLOCKS } from '../../repository/friends.sql';
