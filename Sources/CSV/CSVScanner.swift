#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One field of the current record: a byte range into the scanner's buffer.
package struct FieldSpan {
  package var start: Int
  package var end: Int
  package var quoted: Bool
  /// The field contains `""` escapes that must be unescaped to read its text.
  package var escapedQuotes: Bool
}

/// Streams RFC 4180 records from a file in fixed-size chunks, without building a `String` per row.
///
/// Quoted fields may hold delimiters, `""` escapes and line breaks; CRLF and LF endings are both read
/// (a CR before LF is not part of the last field); a leading UTF-8 byte-order mark is skipped. A record
/// may span chunk boundaries; one longer than `maximumRecordBytes` is an error, not a hang.
package final class CSVScanner {
  package enum ScanError: Error {
    case io(String)
    /// `line` is where the quoted field opens.
    case unterminatedQuote(line: Int, field: Int)
    case textAfterQuote(line: Int, field: Int)
    case recordTooLong(line: Int)
  }

  package struct Record {
    /// Physical line where the record starts (1-based).
    package var line: Int
    /// Number of fields found (may exceed the stored capacity; only the first `capacity` are stored).
    package var fieldCount: Int
    /// The record ended with a line break (false only for a last line without one).
    package var terminated: Bool
  }

  package let delimiter: UInt8
  private let fd: Int32
  private var storage: UnsafeMutableRawBufferPointer
  private var filled = 0
  private var position = 0
  private var atEOF = false
  private var nextLine = 1
  private var fieldBuffer: UnsafeMutableBufferPointer<FieldSpan>
  package static let maximumRecordBytes = 64 << 20
  private var bytesConsumed = 0
  private var startsWithByteOrderMark = false
  private var crlfLineCount = 0

  // Every stored property is private, read from outside through these getters: the optimiser then sees
  // each access and drops the dynamic exclusivity checks (`swift_beginAccess`) that a stored property
  // visible to other modules costs on every read — a dozen per record: the reader had slowed from 232–250
  // to 165–179 MB/s (the build of 2026-11-28 against this one, alternating on 2026-12-07) when the scanner
  // moved to this module; 273–284 MB/s with the properties private (`replenish-bench reader`, daily).
  /// The current record's field spans (valid until the next call to `next()`).
  package var fields: UnsafeMutableBufferPointer<FieldSpan> { fieldBuffer }
  /// Bytes consumed from the file so far.
  package var bytesRead: Int { bytesConsumed }
  package var byteOrderMark: Bool { startsWithByteOrderMark }
  package var crlfLines: Int { crlfLineCount }

  package init(path: String, delimiter: UInt8, chunkBytes: Int = 1 << 22) throws(ScanError) {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw .io(String(cString: strerror(errno))) }
    var info = stat()
    if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw .io("is a directory")
    }
    self.fd = fd
    self.delimiter = delimiter
    storage = .allocate(byteCount: chunkBytes, alignment: 16)
    fieldBuffer = .allocate(capacity: 64)
    fieldBuffer.initialize(repeating: FieldSpan(start: 0, end: 0, quoted: false, escapedQuotes: false))
    try fill()
    if filled >= 3 && storage[0] == 0xEF && storage[1] == 0xBB && storage[2] == 0xBF {
      startsWithByteOrderMark = true
      position = 3
    }
  }

  deinit {
    close(fd)
    storage.deallocate()
    fieldBuffer.deallocate()
  }

  /// Makes room for at least `capacity` stored fields.
  package func reserveFields(_ capacity: Int) {
    guard capacity > fieldBuffer.count else { return }
    fieldBuffer.deallocate()
    fieldBuffer = .allocate(capacity: capacity)
    fieldBuffer.initialize(repeating: FieldSpan(start: 0, end: 0, quoted: false, escapedQuotes: false))
  }

  /// Start of the buffer the current record's fields point into (valid until the next call to `next()`).
  package var base: UnsafeRawPointer { UnsafeRawPointer(storage.baseAddress!) }

  /// The bytes of a stored field (valid until the next call to `next()`).
  @inline(__always)
  package func bytes(_ field: FieldSpan) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[field.start..<field.end])
  }

  /// The text of a stored field with `""` unescaped, or `nil` when it is not valid UTF-8.
  package func text(_ field: FieldSpan) -> String? {
    guard let s = String(validating: bytes(field), as: UTF8.self) else { return nil }
    return field.escapedQuotes ? s.replacingQuotePairs() : s
  }

  /// Reads the next record, or `nil` at the end of the file.
  package func next() throws(ScanError) -> Record? {
    while true {
      if position >= filled && atEOF { return nil }
      if let record = try parse() { return record }
      try refill()
    }
  }

  private func fill() throws(ScanError) {
    while filled < storage.count {
      let n = read(fd, storage.baseAddress! + filled, storage.count - filled)
      if n < 0 {
        if errno == EINTR { continue }
        throw .io(String(cString: strerror(errno)))
      }
      if n == 0 {
        atEOF = true
        return
      }
      filled += n
      bytesConsumed += n
    }
  }

  private func refill() throws(ScanError) {
    let remaining = filled - position
    if position == 0 && filled == storage.count {
      // One record fills the whole buffer: grow it, within reason.
      guard storage.count < CSVScanner.maximumRecordBytes else { throw .recordTooLong(line: nextLine) }
      let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
      bigger.copyMemory(from: UnsafeRawBufferPointer(storage))
      storage.deallocate()
      storage = bigger
    } else if remaining > 0 {
      memmove(storage.baseAddress!, storage.baseAddress! + position, remaining)
    }
    filled = remaining
    position = 0
    try fill()
  }

  /// Parses one record at `position`, or returns `nil` when the buffer ends before it does (and more
  /// bytes may come).
  @inline(__always)
  private func parse() throws(ScanError) -> Record? {
    let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let end = filled
    let delimiter = self.delimiter
    let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    let capacity = fieldBuffer.count
    let out = fieldBuffer.baseAddress!
    var i = position
    var count = 0
    var breaks = 0  // line breaks inside quoted fields
    while true {
      if i < end && base[i] == quote {
        var j = i + 1
        var escaped = false
        let openingLine = nextLine + breaks
        while true {
          if j >= end {
            if atEOF { throw .unterminatedQuote(line: openingLine, field: count + 1) }
            return nil
          }
          let c = base[j]
          if c == quote {
            if j + 1 < end {
              if base[j + 1] == quote {
                escaped = true
                j += 2
                continue
              }
            } else if !atEOF {
              return nil
            }
            break
          }
          if c == lf { breaks += 1 }
          j += 1
        }
        if count < capacity { out[count] = FieldSpan(start: i + 1, end: j, quoted: true, escapedQuotes: escaped) }
        count += 1
        j += 1
        if j >= end { return finish(next: j, count: count, breaks: breaks, terminated: false) }
        let c = base[j]
        if c == delimiter {
          i = j + 1
          continue
        }
        if c == lf { return finish(next: j + 1, count: count, breaks: breaks, terminated: true) }
        if c == cr {
          if j + 1 < end && base[j + 1] == lf {
            crlfLineCount += 1
            return finish(next: j + 2, count: count, breaks: breaks, terminated: true)
          }
          if j + 1 >= end && !atEOF { return nil }
        }
        throw .textAfterQuote(line: nextLine + breaks, field: count)
      } else {
        var j = i
        while j < end {
          let c = base[j]
          if c == delimiter || c == lf { break }
          j += 1
        }
        if j >= end {
          if !atEOF { return nil }
          var fieldEnd = j
          if fieldEnd > i && base[fieldEnd - 1] == cr { fieldEnd -= 1 }
          if count < capacity { out[count] = FieldSpan(start: i, end: fieldEnd, quoted: false, escapedQuotes: false) }
          return finish(next: j, count: count + 1, breaks: breaks, terminated: false)
        }
        if base[j] == delimiter {
          if count < capacity { out[count] = FieldSpan(start: i, end: j, quoted: false, escapedQuotes: false) }
          count += 1
          i = j + 1
          continue
        }
        var fieldEnd = j
        if fieldEnd > i && base[fieldEnd - 1] == cr {
          fieldEnd -= 1
          crlfLineCount += 1
        }
        if count < capacity { out[count] = FieldSpan(start: i, end: fieldEnd, quoted: false, escapedQuotes: false) }
        return finish(next: j + 1, count: count + 1, breaks: breaks, terminated: true)
      }
    }
  }

  @inline(__always)
  private func finish(next: Int, count: Int, breaks: Int, terminated: Bool) -> Record {
    let record = Record(line: nextLine, fieldCount: count, terminated: terminated)
    position = next
    nextLine += breaks + (terminated ? 1 : 0)
    return record
  }
}

extension String {
  package func replacingQuotePairs() -> String {
    var out = ""
    var previousWasQuote = false
    for c in self {
      if c == "\"" && previousWasQuote {
        previousWasQuote = false
        continue
      }
      previousWasQuote = c == "\""
      out.append(c)
    }
    return out
  }
}
