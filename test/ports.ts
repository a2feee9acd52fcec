// Fixed ports of the suite's throwaway servers (proxies, closed ports, extra Redis servers) are
// shifted by TEST_PORT_OFFSET, so two checkouts can run `npm test` on one machine at once.
const offset = Number(process.env.TEST_PORT_OFFSET ?? 0);

export const testPort = (port: number) => port + offset;
