import Foundation
import Testing
@testable import QuireCore

// DESIGN §1: the paper file is a JSON object of at most 16 MiB; `json_hash` is computed from its
// canonical JSON (keys sorted, no insignificant whitespace), so re-formatting does not defeat
// duplicate detection; its `questions` array gives `question_count`.

private func read(_ text: String, limit: Int = PaperFile.defaultLimit) throws(QuireError) -> PaperFile {
    try PaperFile(data: Data(text.utf8), what: "paper.json", limit: limit)
}

private func code(_ body: () throws(QuireError) -> PaperFile) -> QuireError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.code
    }
}

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test func reformattedAndReorderedFilesHaveTheSameCanonicalText() throws {
        let compact = #"{"paper":{"code":"9709/12","year":2023},"questions":[{"n":1,"text":"x"},{"n":2,"text":"y"}]}"#
        let pretty = """
        {
            "questions" : [
                { "text" : "x", "n" : 1 },
                { "text": "y",  "n": 2 }
            ],
            "paper": {
                "year": 2023,
                "code": "9709/12"
            }
        }

        """
        let a = try read(compact), b = try read(pretty)
        #expect(a.canonical == b.canonical)
        #expect(a.canonical == compact)
    }

    @Test func keysAreSortedByTheirUTF8BytesAtEveryDepth() throws {
        // By UTF-8 bytes "B" < "Z" < "a" < "é"; "｡" (U+FF61) sorts before "😀" (U+1F600), unlike UTF-16.
        let file = try read(#"{"😀":1,"｡":2,"é":{"z":0,"a":0},"a":[{"y":1,"x":2}],"Z":null,"B":true}"#)
        #expect(file.canonical == #"{"B":true,"Z":null,"a":[{"x":2,"y":1}],"é":{"a":0,"z":0},"｡":2,"😀":1}"#)
    }

    @Test func arrayOrderIsSignificant() throws {
        #expect(try read(#"{"questions":[1,2]}"#).canonical != read(#"{"questions":[2,1]}"#).canonical)
    }

    @Test func equalNumbersAndEqualStringsHaveOneSpelling() throws {
        let a = try read(#"{"n":1.0,"m":1e2,"s":"caf\u00e9","f":0.5,"neg":-3}"#)
        let b = try read(#"{"n":1,"m":100,"s":"café","f":0.50,"neg":-3.0}"#)
        #expect(a.canonical == b.canonical)
        #expect(a.canonical == #"{"f":0.5,"m":100,"n":1,"neg":-3,"s":"café"}"#)
    }

    @Test func booleansAndNumbersStayApart() throws {
        #expect(try read(#"{"a":true,"b":1,"c":false,"d":0}"#).canonical == #"{"a":true,"b":1,"c":false,"d":0}"#)
    }

    @Test func stringsAreEscapedMinimally() throws {
        let file = try read(#"{"s":"quote \" backslash \\ slash \/ newline \n tab \t bell \u0007"}"#)
        #expect(file.canonical == #"{"s":"quote \" backslash \\ slash / newline \n tab \t bell \u0007"}"#)
    }

    @Test func differentContentHasDifferentCanonicalText() throws {
        #expect(try read(#"{"a":"1"}"#).canonical != read(#"{"a":1}"#).canonical)
    }
}

@Suite("Reading a paper file")
struct PaperFileTests {
    @Test(arguments: [#"[{"questions":[]}]"#, #""a paper""#, "42", "null", "true"])
    func anythingButAnObjectIsInvalidInput(_ text: String) {
        #expect(code { () throws(QuireError) in try read(text) } == .invalidInput)
    }

    @Test func theMessageSaysWhatWasFound() {
        do {
            _ = try read("[1,2]")
            Issue.record("an array was accepted")
        } catch {
            #expect(error.message.contains("paper.json"))
            #expect(error.message.contains("an array"))
        }
    }

    @Test(arguments: ["", "{", #"{"a":}"#, "{'a':1}", #"{"a":1} trailing"#, "\u{FEFF}{]"])
    func malformedJSONIsInvalidInput(_ text: String) {
        #expect(code { () throws(QuireError) in try read(text) } == .invalidInput)
    }

    /// RFC 8259 has no trailing commas, and the web app's `JSON.parse` rejects them: a file quire
    /// accepted but the web app cannot read would be a trap.
    @Test(arguments: [#"{"a":1,}"#, #"{"questions":[1,2,]}"#])
    func aTrailingCommaIsNotJSON(_ text: String) {
        #expect(code { () throws(QuireError) in try read(text) } == .invalidInput)
    }

    @Test func aFileOverTheLimitIsTooLarge() {
        let text = #"{"questions":[]}"#   // 16 bytes
        #expect(code { () throws(QuireError) in try read(text, limit: 15) } == .tooLarge)
        #expect(code { () throws(QuireError) in try read(text, limit: 16) } == nil)
    }

    @Test func theDefaultLimitIs16MiB() throws {
        #expect(PaperFile.defaultLimit == 16 * 1024 * 1024)
        let padding = String(repeating: " ", count: PaperFile.defaultLimit - 2)
        #expect(code { () throws(QuireError) in try read("{" + padding + "}") } == nil)
        do {
            _ = try read("{ " + padding + "}")
            Issue.record("a file of 16 MiB + 1 byte was accepted")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.exitCode == 65)
            #expect(error.message.contains("16 MiB"))
        }
    }

    @Test func tooLargeIsCheckedBeforeParsing() {
        // An oversized file is refused for its size even when it is not JSON at all.
        #expect(code { () throws(QuireError) in try read("not json at all", limit: 4) } == .tooLarge)
    }

    @Test func theQuestionsArrayGivesTheQuestionCount() throws {
        #expect(try read(#"{"questions":[{},{},{}]}"#).questionCount == 3)
        #expect(try read(#"{"questions":[]}"#).questionCount == 0)
        #expect(try read(#"{"title":"no questions yet"}"#).questionCount == 0)
        #expect(try read(#"{"questions":null}"#).questionCount == 0)
    }

    @Test func onlyTopLevelQuestionsCount() throws {
        #expect(try read(#"{"paper":{"questions":[1,2]}}"#).questionCount == 0)
    }

    @Test(arguments: [#"{"questions":{"1":"a"}}"#, #"{"questions":3}"#, #"{"questions":"many"}"#])
    func questionsThatAreNotAnArrayAreInvalidInput(_ text: String) {
        #expect(code { () throws(QuireError) in try read(text) } == .invalidInput)
    }

    @Test func aPaperObjectDescribesThePaper() throws {
        let file = try read(#"{"paper":{"code":"9709/12","subject":"Mathematics","year":2023,"pages":12},"questions":[]}"#)
        #expect(file.paper == ["code": .string("9709/12"), "subject": .string("Mathematics"), "year": .number(2023)])
    }

    @Test func topLevelFieldsDescribeThePaperToo() throws {
        let file = try read(#"{"code":"0580/22","subject":"Maths","year":2021,"board":"CAIE"}"#)
        #expect(file.paper == ["code": .string("0580/22"), "subject": .string("Maths"), "year": .number(2021),
                               "board": .string("CAIE")])
    }

    @Test func metadataWinsOverPaperWhichWinsOverTheTopLevel() throws {
        let file = try read(#"{"code":"top","year":1999,"subject":"Top","paper":{"code":"paper","year":2000},"metadata":{"code":"meta"}}"#)
        #expect(file.paper["code"] == .string("meta"))
        #expect(file.paper["year"] == .number(2000))
        #expect(file.paper["subject"] == .string("Top"))
    }

    @Test func paperCodeIsAnAliasForCode() throws {
        #expect(try read(#"{"paper_code":"9702/42"}"#).paper["code"] == .string("9702/42"))
        #expect(try read(#"{"paper_code":"alias","paper":{"code":"real"}}"#).paper["code"] == .string("real"))
    }

    @Test func aNumericCodeBecomesText() throws {
        #expect(try read(#"{"code":9709}"#).paper["code"] == .string("9709"))
    }

    @Test func describingTextIsTrimmedAndEmptyOrNestedValuesAreIgnored() throws {
        let file = try read(#"{"subject":"  Physics \n","code":"","year":{"y":2020},"title":[1]}"#)
        #expect(file.paper == ["subject": .string("Physics")])
    }

    @Test func aFileThatDescribesNothingHasAnEmptyPaper() throws {
        #expect(try read(#"{"questions":[1],"author":"someone"}"#).paper == [:])
    }

    @Test func anAlreadyParsedValueReadsTheSameAsItsText() throws {
        let text = #"{"paper":{"code":"9709/12"},"questions":[1,2]}"#
        let fromText = try read(text)
        let value = try JSONValue.parse(Data(text.utf8), what: "x")
        #expect(try PaperFile(value: value, what: "x") == fromText)
    }
}
