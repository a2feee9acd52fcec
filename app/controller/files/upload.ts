import { Controller } from 'egg';
import { ValidationError } from '../../lib/errors';
import { parseDiydir } from '../../lib/files/keys';
import { imageClassRules } from '../../lib/files/rules';
import { toInt } from '../../lib/rules';

export default class UploadController extends Controller {
  /** POST /api/chat/uploadStreamSingleToServerDiy/:diydir: the first file part, under Diy/{folders}/. */
  async diy() {
    const { ctx } = this;
    const folders = parseDiydir(ctx.params.diydir);
    if (!folders) throw new ValidationError('files.diydir');
    const upload = ctx.service.files.upload;
    const stored = await upload.store(await upload.receive(), [ 'Diy', ...folders ]);
    ctx.ok({ url: stored.url });
  }

  /** POST /api/chat/uploadAliyun: field `img`, under images/; `imageClassId` from the query or the form. */
  async aliyun() {
    const { ctx } = this;
    // The query string is checked before the body is read; a form field only once it has arrived.
    const inQuery = ctx.query.imageClassId !== undefined;
    if (inQuery) ctx.check(imageClassRules, ctx.query);
    const upload = ctx.service.files.upload;
    const received = await upload.receive('img');
    const source = inQuery ? ctx.query : received.fields;
    try {
      ctx.check(imageClassRules, source);
    } catch (err) {
      await upload.discard(received);
      throw err;
    }
    const stored = await upload.store(received, [ 'images' ]);
    ctx.ok([{
      url: stored.url,
      path: stored.key,
      image_class_id: toInt(source.imageClassId) ?? 0,
      create_time: Math.floor(stored.createTime.getTime() / 1000),
    }]);
  }
}
