// The `chat_file` table: one row per stored object (who uploaded it, what it is), through the
// Sequelize model (a storage key is unique: UniqueConstraintError).
import { CreationAttributes, ModelStatic, Sequelize } from 'sequelize';
import { ChatFile } from '../model/chatFile';

export class FileRepository {
  constructor(private readonly sequelize: Sequelize) {}

  private get ChatFile() {
    return this.sequelize.models.ChatFile as ModelStatic<ChatFile>;
  }

  /** Registers a stored object; a key registered already rejects with UniqueConstraintError. */
  async saveFile(row: CreationAttributes<ChatFile>): Promise<void> {
    await this.ChatFile.create(row);
  }

  /** Whether `storageKey` is registered as an uploaded video. */
  async existsVideo(storageKey: string): Promise<boolean> {
    return (await this.ChatFile.findOne({ where: { storage_key: storageKey, kind: 'video' }, attributes: [ 'id' ] })) !== null;
  }
}
