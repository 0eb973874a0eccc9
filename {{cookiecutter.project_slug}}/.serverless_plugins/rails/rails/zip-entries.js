'use strict';

// The names in a zip file, read from its central directory (no extraction, no dependency): what the package-time
// requirements check compares with requirements.txt. Handles Zip64 archives (more than 65,535 entries).

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;

function endOfCentralDirectory(buffer) {
  const lowest = Math.max(0, buffer.length - 22 - 0xffff);
  for (let at = buffer.length - 22; at >= lowest; at -= 1) {
    if (buffer.readUInt32LE(at) === EOCD) return at;
  }
  throw new Error('not a zip file (no end of central directory)');
}

/** Every entry name of the zip in `buffer`, in central-directory order. */
function zipEntries(buffer) {
  const end = endOfCentralDirectory(buffer);
  let count = buffer.readUInt16LE(end + 10);
  let offset = buffer.readUInt32LE(end + 16);
  if ((count === 0xffff || offset === 0xffffffff) && end >= 20 && buffer.readUInt32LE(end - 20) === ZIP64_LOCATOR) {
    const record = Number(buffer.readBigUInt64LE(end - 12));
    count = Number(buffer.readBigUInt64LE(record + 32));
    offset = Number(buffer.readBigUInt64LE(record + 48));
  }
  const names = [];
  for (let i = 0; i < count; i += 1) {
    if (offset + 46 > buffer.length || buffer.readUInt32LE(offset) !== CENTRAL) throw new Error('damaged zip central directory');
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    names.push(buffer.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

module.exports = { zipEntries };
