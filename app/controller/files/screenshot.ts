import { Controller } from 'egg';
import { SCREENSHOT_DEFAULTS, screenshotRules } from '../../lib/files/rules';
import { toInt } from '../../lib/rules';

export default class ScreenshotController extends Controller {
  /** POST /api/chat/getVideoScreenshot (form or JSON). */
  async create() {
    const { ctx } = this;
    const body = ctx.check<{ videoUrl: string; time?: unknown; width?: unknown; format?: 'png' | 'jpg' | null }>(screenshotRules);
    ctx.ok(await ctx.service.files.screenshot.create({
      videoUrl: body.videoUrl,
      time: toInt(body.time) ?? SCREENSHOT_DEFAULTS.time,
      width: toInt(body.width) ?? SCREENSHOT_DEFAULTS.width,
      format: body.format ?? SCREENSHOT_DEFAULTS.format,
    }));
  }
}
