// Start data-api-local on HOST:PORT in front of the PostgreSQL at PGHOST:PGPORT (credentials from PGUSER/PGPASSWORD/PGDATABASE).
const { dataApiLocal } = require('data-api-local');

dataApiLocal({
  logger: () => {},
  server: { hostname: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT) },
  database: {
    engine: 'postgresql',
    host: process.env.PGHOST || '127.0.0.1',
    port: Number(process.env.PGPORT),
    user: process.env.PGUSER,
    password: process.env.PGPASSWORD,
    database: process.env.PGDATABASE,
  },
}).then(() => console.log('listening'));
