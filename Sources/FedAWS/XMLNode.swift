/// Just enough XML for AWS query-protocol answers: elements, text, entities; attributes,
/// comments, processing instructions and CDATA-free documents are all that AWS sends.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var children: [XMLNode]
    public var text: String

    /// The first descendant (depth first) named `name`.
    public func first(_ name: String) -> XMLNode? {
        for c in children {
            if c.name == name { return c }
            if let d = c.first(name) { return d }
        }
        return nil
    }

    /// The text of the first descendant along `path` (each step a descendant search).
    public func value(_ path: String...) -> String? {
        var node = self
        for step in path { guard let n = node.first(step) else { return nil }; node = n }
        return node.text
    }

    /// Direct children named `name`.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// `<item>` children of the first descendant `container`.
    public func items(_ container: String) -> [XMLNode] { first(container)?.children("item") ?? [] }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws(ParseError) -> XMLNode {
        var p = Parser(chars: Array(text.unicodeScalars))
        return try p.document()
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0

        mutating func document() throws(ParseError) -> XMLNode {
            skipMisc()
            guard i < chars.count, chars[i] == "<" else { throw ParseError(description: "no root element") }
            return try element()
        }

        mutating func skipMisc() {
            while i < chars.count {
                while i < chars.count, chars[i].properties.isWhitespace { i += 1 }
                if starts("<?") { skip(past: "?>") } else if starts("<!--") { skip(past: "-->") } else if starts("<!") { skip(past: ">") } else { return }
            }
        }

        func starts(_ s: String) -> Bool {
            var j = i
            for c in s.unicodeScalars { guard j < chars.count, chars[j] == c else { return false }; j += 1 }
            return true
        }

        mutating func skip(past s: String) {
            while i < chars.count, !starts(s) { i += 1 }
            i = min(chars.count, i + s.unicodeScalars.count)
        }

        mutating func element() throws(ParseError) -> XMLNode {
            i += 1 // <
            var name = ""
            while i < chars.count, !chars[i].properties.isWhitespace, chars[i] != ">", chars[i] != "/" { name.unicodeScalars.append(chars[i]); i += 1 }
            // Attributes are skipped (quoted values may hold '>').
            var quote: Unicode.Scalar?
            while i < chars.count {
                let c = chars[i]
                if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ">" || (c == "/" && i + 1 < chars.count && chars[i + 1] == ">") { break }
                i += 1
            }
            guard i < chars.count else { throw ParseError(description: "unterminated <\(name)>") }
            if chars[i] == "/" { i += 2; return XMLNode(name: local(name), children: [], text: "") }
            i += 1
            var node = XMLNode(name: local(name), children: [], text: "")
            var raw = ""
            while true {
                guard i < chars.count else { throw ParseError(description: "unterminated <\(name)>") }
                if starts("</") {
                    skip(past: ">")
                    node.text = Self.decode(raw)
                    return node
                } else if starts("<!--") { skip(past: "-->") } else if starts("<![CDATA[") {
                    i += 9
                    while i < chars.count, !starts("]]>") { raw.unicodeScalars.append(chars[i]); i += 1 }
                    i += 3
                } else if chars[i] == "<" {
                    node.children.append(try element())
                } else {
                    raw.unicodeScalars.append(chars[i]); i += 1
                }
            }
        }

        /// Drops a namespace prefix.
        func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

        static func decode(_ s: String) -> String {
            guard s.contains("&") else { return s }
            var out = ""
            var rest = Substring(s)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { break }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let num = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    if let n = num, let u = Unicode.Scalar(n) { out.unicodeScalars.append(u) } else { out += "&\(entity);" }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
