// Loaded first by egg-bin: every test starts with an empty `user` table and no sessions.
import { app } from 'egg-mock/bootstrap';
import { resetData } from './helpers';

before(() => app.ready());

beforeEach(() => resetData(app));
