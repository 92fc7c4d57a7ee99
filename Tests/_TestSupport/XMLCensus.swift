// DeltaH — entropy change of softmax policies.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Element counts and text of an XML document; nil when it does not parse.
public final class XMLCensus: NSObject, XMLParserDelegate {
  public var counts: [String: Int] = [:]
  public var text = ""
  public var attributes: [String: [[String: String]]] = [:]

  public static func of(_ markup: String) -> XMLCensus? {
    let census = XMLCensus()
    let parser = XMLParser(data: Data(markup.utf8))
    parser.delegate = census
    return parser.parse() ? census : nil
  }

  public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
    counts[name, default: 0] += 1
    self.attributes[name, default: []].append(attributes)
  }

  public func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

  public func count(_ name: String, class c: String) -> Int { (attributes[name] ?? []).filter { $0["class"] == c }.count }
}

