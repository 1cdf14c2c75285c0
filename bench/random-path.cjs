'use strict';
// An autocannon `setupRequest` (bench/lib.ts): sends each request to one of the request entry's
// `paths`, picked at random. CommonJS and plain JavaScript because autocannon `require`s it by
// path inside its worker threads.
module.exports = function randomPath(request) {
  const paths = request.paths;
  request.path = paths[Math.floor(Math.random() * paths.length)];
  return request;
};
