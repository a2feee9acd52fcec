import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { gif, jpeg, png, webp } from './media';
import { DRIVERS, callers, chatFiles, emptyStorage, readBack, storedKeys, tempFiles, uploadAliyun, uploadDiy, useDriver } from './support';

for (const driver of DRIVERS) {
  describe(`uploads with the ${driver} driver`, () => {
    beforeEach(async () => {
      await emptyStorage();
      await useDriver(driver);
    });

    it('smoke', async () => {
      const { userToken } = await callers();
      const res = await uploadDiy(userToken, png(3, 2));
      const data = assertOk(res);
      console.log(data, await storedKeys(driver), await tempFiles(), await chatFiles());
      const back = await readBack(driver, data.url);
      assert.deepEqual(back.bytes, png(3, 2));
      const al = assertOk(await uploadAliyun(userToken, jpeg(10, 10, 100000), { imageClassId: '3' }));
      console.log(al);
      assertFail(await uploadDiy(userToken, gif(10000, 10000)), 422, '图片尺寸过大');
      console.log(webp(2, 2).length, app.config.im.files.driver);
    });
  });
}
