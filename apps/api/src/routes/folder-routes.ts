import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createFolder, listFolders, moveFolder, removeFolder } from '@rendition/admin';
import { authenticateAdmin } from '../admin-request.ts';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

type FolderPath = { Params: { cloud: string; '*'?: string } };

/**
 * The Admin API's folders, Basic auth: `api.root_folders`, `sub_folders`, `create_folder`,
 * `delete_folder`, `rename_folder`. The folder path is the rest of the URL; the SDK sends it as one
 * encoded element (`folders/a%2Fb`), which api-server's rewriteUrl turns into `folders/a/b`
 * (admin-path.ts). A static route of another family (`folders/search`) wins over the wildcard.
 */
export function registerFolderRoutes(app: FastifyInstance, deps: ApiServerRouteDependencies): void {
  const { db } = deps;
  const one = '/v1_1/:cloud/folders/*';
  const folderPath = (request: FastifyRequest<FolderPath>) => request.params['*'] ?? '';

  app.get('/v1_1/:cloud/folders', async (request: FastifyRequest<FolderPath>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    return listFolders(db, cloud, undefined, params);
  });
  app.get(one, async (request: FastifyRequest<FolderPath>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    const path = folderPath(request);
    // `folders/` is the root listing, as `folders` is.
    return listFolders(db, cloud, path === '' ? undefined : path, params);
  });
  app.post(one, async (request: FastifyRequest<FolderPath>) => {
    const { cloud } = await authenticateAdmin(db, request);
    return createFolder(db, cloud, folderPath(request));
  });
  app.delete(one, async (request: FastifyRequest<FolderPath>) => {
    const { cloud } = await authenticateAdmin(db, request);
    return removeFolder(db, cloud, folderPath(request));
  });
  app.put(one, async (request: FastifyRequest<FolderPath>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    return moveFolder(db, cloud, folderPath(request), params);
  });
}
