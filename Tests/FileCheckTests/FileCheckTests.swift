import Testing
@testable import FileCheck

/// Runs `checks` (as file `test.eir`) against `input`.
private func check(_ checks: String, _ input: String, prefixes: [String] = ["CHECK"]) -> FileCheckResult {
    FileCheck.run(checkText: checks, checkFileName: "test.eir", input: input, prefixes: prefixes)
}

/// The failure text, or "" on success.
private func failureText(_ checks: String, _ input: String) -> String {
    check(checks, input).failure?.description ?? ""
}

private let relu = """
    func @f(%arg0: tensor<4xf32>) {
      %0 = edge.relu %arg0 : tensor<4xf32>
      %1 = edge.add(%0, %0) : tensor<4xf32>
      return %1
    }
    """

@Suite struct PlainAndNext {
    @Test func plainMatchesInOrder() {
        #expect(check("// CHECK: edge.relu\n// CHECK: edge.add\n// CHECK: return", relu).succeeded)
    }

    @Test func plainOutOfOrderFails() {
        let text = failureText("// CHECK: edge.add\n// CHECK: edge.relu", relu)
        #expect(text.contains("test.eir:2:11: error: CHECK: expected string not found in input"))
        #expect(text.contains("<stdin>:3:16: note: scanning from here"))
    }

    @Test func plainSearchesFromEndOfPreviousMatchOnSameLine() {
        #expect(check("CHECK: a\nCHECK: b\nCHECK: a", "a b a").succeeded)
        #expect(!check("CHECK: b\nCHECK: a\nCHECK: b", "a b a").succeeded)
    }

    @Test func nextOnFollowingLine() {
        #expect(check("// CHECK: edge.relu\n// CHECK-NEXT: edge.add\n// CHECK-NEXT: return", relu).succeeded)
    }

    @Test func nextTooFarFails() {
        let text = failureText("// CHECK: edge.relu\n// CHECK-NEXT: return", relu)
        #expect(text.contains("test.eir:2:16: error: CHECK-NEXT: is not on the line after the previous match"))
        #expect(text.contains("<stdin>:4:3: note: 'next' match was here"))
        #expect(text.contains("<stdin>:2:17: note: previous match ended here"))
        #expect(text.contains("<stdin>:3:1: note: non-matching line after previous match is here"))
    }

    @Test func nextOnSameLineFails() {
        let text = failureText("CHECK: a\nCHECK-NEXT: b", "a b\nb")
        #expect(text.contains("test.eir:2:13: error: CHECK-NEXT: is on the same line as previous match"))
    }

    @Test func nextNotFound() {
        let text = failureText("CHECK: edge.relu\nCHECK-NEXT: edge.mul", relu)
        #expect(text.contains("test.eir:2:13: error: CHECK-NEXT: expected string not found in input"))
    }

    @Test func diagnosticRendering() {
        let text = failureText("// CHECK: edge.relu\n// CHECK-NEXT: return", relu)
        let expected = """
            test.eir:2:16: error: CHECK-NEXT: is not on the line after the previous match
            // CHECK-NEXT: return
                           ^
            <stdin>:4:3: note: 'next' match was here
              return %1
              ^~~~~~
            """
        #expect(text.hasPrefix(expected))
    }
}

@Suite struct SameAndEmpty {
    @Test func sameOnSameLine() {
        #expect(check("CHECK: edge.add\nCHECK-SAME: (%0, %0)\nCHECK-SAME: tensor<4xf32>", relu).succeeded)
    }

    @Test func sameMustBeAfterPreviousMatch() {
        let text = failureText("CHECK: edge.add\nCHECK-SAME: %1", relu)
        #expect(text.contains("test.eir:2:13: error: CHECK-SAME: is not on the same line as the previous match"))
        #expect(text.contains("<stdin>:4:10: note: 'same' match was here"))
    }

    @Test func emptyLine() {
        let input = "a\n\nb\n"
        #expect(check("CHECK: a\nCHECK-EMPTY:\nCHECK-NEXT: b", input).succeeded)
        let text = failureText("CHECK: a\nCHECK-EMPTY:", "a\nb\n\n")
        #expect(text.contains("test.eir:2:13: error: CHECK-EMPTY: is not on the line after the previous match"))
        #expect(failureText("CHECK: b\nCHECK-EMPTY:", input)
            .contains("test.eir:2:13: error: CHECK-EMPTY: expected string not found in input"))
    }
}

@Suite struct NotAndDag {
    @Test func notBetweenPositives() {
        #expect(check("CHECK: edge.relu\nCHECK-NOT: edge.mul\nCHECK: return", relu).succeeded)
        let text = failureText("CHECK: edge.relu\nCHECK-NOT: edge.add\nCHECK: return", relu)
        #expect(text.contains("test.eir:2:12: error: CHECK-NOT: excluded string found in input"))
        #expect(text.contains("<stdin>:3:8: note: found here"))
    }

    @Test func notOnlyLooksBetweenNeighbours() {
        // edge.add occurs, but after `return`'s neighbour range ends.
        #expect(check("CHECK: edge.relu\nCHECK-NOT: return\nCHECK: edge.add", relu).succeeded)
        // Leading and trailing NOTs cover the start and the end of input.
        #expect(!check("CHECK-NOT: func\nCHECK: edge.relu", relu).succeeded)
        #expect(!check("CHECK: edge.relu\nCHECK-NOT: }", relu).succeeded)
        #expect(check("CHECK: edge.relu\nCHECK-NOT: edge.relu", relu).succeeded)
    }

    @Test func dagAnyOrder() {
        let input = "c = 3\na = 1\nb = 2\nend"
        #expect(check("CHECK-DAG: a = 1\nCHECK-DAG: b = 2\nCHECK-DAG: c = 3\nCHECK-NEXT: end", input).succeeded)
        #expect(check("CHECK-DAG: b = 2\nCHECK-DAG: c = 3\nCHECK-DAG: a = 1\nCHECK: end", input).succeeded)
    }

    @Test func dagMatchesDoNotOverlap() {
        #expect(check("CHECK-DAG: x\nCHECK-DAG: x", "x\ny\nx").succeeded)
        let text = failureText("CHECK-DAG: x\nCHECK-DAG: y\nCHECK-DAG: x", "x\ny")
        #expect(text.contains("test.eir:3:12: error: CHECK-DAG: expected string not found in input"))
    }

    @Test func dagStaysAfterPreviousMatch() {
        #expect(!check("CHECK: b\nCHECK-DAG: a", "a\nb").succeeded)
    }

    @Test func notBeforeDagGroup() {
        let input = "start\nbad\nx\ny"
        #expect(check("CHECK: start\nCHECK-NOT: good\nCHECK-DAG: y\nCHECK-DAG: x", input).succeeded)
        let text = failureText("CHECK: start\nCHECK-NOT: bad\nCHECK-DAG: y\nCHECK-DAG: x", input)
        #expect(text.contains("test.eir:2:12: error: CHECK-NOT: excluded string found in input"))
    }
}

@Suite struct Variables {
    @Test func captureAndReuse() {
        let checks = """
            // CHECK: %[[X:.*]] = edge.relu
            // CHECK: edge.add(%[[X]], %[[X]])
            """
        #expect(check(checks, relu).succeeded)
        let wrong = relu.replacingOccurrencesOf("edge.add(%0, %0)", with: "edge.add(%0, %7)")
        let text = failureText(checks, wrong)
        #expect(text.contains("test.eir:2:11: error: CHECK: expected string not found in input"))
        #expect(text.contains("note: possible intended match here"))
    }

    @Test func reuseOnSameLine() {
        #expect(check("CHECK: [[A:[a-z]+]] + [[A]]", "foo + foo").succeeded)
        #expect(!check("CHECK: [[A:[a-z]+]] + [[A]] ;", "foo + bar ;").succeeded)
    }

    @Test func undefinedVariable() {
        let text = failureText("CHECK: edge.add(%[[Y]]", relu)
        #expect(text.contains("test.eir:1:18: error: CHECK: undefined variable: Y"))
    }

    @Test func redefinitionAndLineVariable() {
        #expect(check("CHECK: v=[[V:[0-9]]]\nCHECK: v=[[V:[0-9]]]\nCHECK: w=[[V]]", "v=1\nv=2\nw=2").succeeded)
        #expect(check("CHECK: line [[@LINE]]\nCHECK: prev [[@LINE-1]]", "line 1\nprev 1").succeeded)
    }

    @Test func variablesSurviveLabels() {
        let checks = "CHECK-LABEL: func @a\nCHECK: %[[R:[0-9]+]] = edge.relu\nCHECK-LABEL: func @b\nCHECK: use %[[R]]"
        #expect(check(checks, "func @a\n%3 = edge.relu\nfunc @b\nuse %3").succeeded)
    }
}

@Suite struct PatternSyntax {
    @Test func regexBlocks() {
        #expect(check("CHECK: %{{[0-9]+}} = edge.{{relu|gelu}} %arg{{[0-9]}}", relu).succeeded)
        #expect(check("CHECK: x{{a{2}}}y", "xaay").succeeded)
        #expect(!check("CHECK: %{{[a-z]+}} = edge.relu", relu).succeeded)
    }

    @Test func literalMetacharacters() {
        let line = #"edge.add(%0, %1) : (tensor<2x?xf32>) -> tensor<*xf32> [1] $ ^ | + \ . #"#
        #expect(check("CHECK: " + line, "  " + line).succeeded)
        #expect(!check("CHECK: a.c", "abc").succeeded)
    }

    @Test func whitespaceFolding() {
        #expect(check("CHECK: a b", "a     b").succeeded)
        #expect(check("CHECK: a b", "a\t b").succeeded)
        #expect(check("CHECK:    a    b   ", "a b").succeeded)
        #expect(!check("CHECK: a b", "ab").succeeded)
    }

    @Test func crlfInput() {
        #expect(check("CHECK: a\nCHECK-NEXT: b\nCHECK-EMPTY:", "a\r\nb\r\n\r\n").succeeded)
    }

    @Test func customPrefixes() {
        #expect(check("// FOO: a\n// CHECK: zzz", "a", prefixes: ["FOO"]).succeeded)
        #expect(!check("// FOO: a\n// BAR-NEXT: c", "a\nb", prefixes: ["FOO", "BAR"]).succeeded)
    }
}

@Suite struct ParseErrors {
    private func parseError(_ text: String) -> String {
        do {
            _ = try CheckFile.parse(text: text, fileName: "test.eir")
            return ""
        } catch {
            return error.description
        }
    }

    @Test func directivesAreExtracted() throws {
        let file = try CheckFile.parse(text: "func\n  // CHECK-LABEL:  @f \n// CHECK-DAG: x", fileName: "t")
        #expect(file.directives.map(\.kind) == [.label, .dag])
        #expect(file.directives[0].pattern == "@f")
        #expect(file.directives[0].line == 2)
        #expect(file.directives[0].column == 20)
        #expect(file.directives[1].name == "CHECK-DAG")
    }

    @Test func typoGuard() {
        #expect(parseError("// CHECK: a\n// CHECK-NXT: b").contains("test.eir:2:4: error: unsupported check directive 'CHECK-NXT:'"))
        #expect(parseError("// CHECK-COUNT-2: a").contains("unsupported check directive"))
    }

    @Test func notDirectives() throws {
        // Part of a longer word, missing colon, or lowercase suffix-free prose.
        #expect(parseError("// MYCHECK: a\n// CHECK-NEXT b\n// CHECK: ok") == "")
        #expect(parseError("no checks here").contains("no check strings found with prefix 'CHECK:'"))
        #expect(try CheckFile.parse(text: "", fileName: "t", allowEmpty: true).directives.isEmpty)
    }

    @Test func malformedPatterns() {
        #expect(parseError("CHECK:").contains("found empty check string with prefix 'CHECK:'"))
        #expect(parseError("CHECK: a\nCHECK-EMPTY: x").contains("found non-empty check string"))
        #expect(parseError("CHECK-NEXT: a").contains("found 'CHECK-NEXT' without previous 'CHECK: line"))
        #expect(parseError("CHECK: {{abc").contains("test.eir:1:8: error: found start of regex string with no end '}}'"))
        #expect(parseError("CHECK: a [[X").contains("no ]] found"))
        #expect(parseError("CHECK: {{(}}").contains("invalid regex"))
        #expect(parseError("CHECK: [[1X:a]]").contains("invalid variable name '1X'"))
        #expect(parseError("CHECK-LABEL: [[X:a]]").contains("with variable definition or use"))
        #expect(parseError("CHECK: [[#N]]").contains("numeric substitution"))
    }
}

@Suite struct Labels {
    private let twoFuncs = """
        func @first
          %0 = edge.relu %arg0
        func @second
          %0 = edge.add %arg0, %arg1
          %1 = edge.relu %0
        """

    @Test func checksAreConfinedToTheirBlock() {
        #expect(check("CHECK-LABEL: func @first\nCHECK: edge.relu\nCHECK-LABEL: func @second\nCHECK: edge.add",
                      twoFuncs).succeeded)
        // edge.add only exists in @second's block.
        let text = failureText("CHECK-LABEL: func @first\nCHECK: edge.add\nCHECK-LABEL: func @second", twoFuncs)
        #expect(text.contains("test.eir:2:8: error: CHECK: expected string not found in input"))
    }

    @Test func failureInOneBlockStillChecksTheNext() {
        let text = failureText("CHECK-LABEL: @first\nCHECK: nope\nCHECK-LABEL: @second\nCHECK: neither", twoFuncs)
        #expect(text.contains("test.eir:2:8: error"))
        #expect(text.contains("test.eir:4:8: error"))
    }

    @Test func nextAfterLabelAndNotUpToLabel() {
        #expect(check("CHECK-LABEL: @second\nCHECK-NEXT: edge.add\nCHECK-NEXT: edge.relu", twoFuncs).succeeded)
        // NOT after the last check of a block only looks up to the next label.
        #expect(check("CHECK-LABEL: @first\nCHECK-NOT: edge.add\nCHECK-LABEL: @second", twoFuncs).succeeded)
    }

    @Test func missingLabel() {
        let text = failureText("CHECK-LABEL: @second\nCHECK-LABEL: @first", twoFuncs)
        #expect(text.contains("test.eir:2:14: error: CHECK-LABEL: expected string not found in input"))
    }
}

@Suite struct SplitAndVerify {
    private let file = """
        // RUN: edgec %s --split-input-file | FileCheck %s
        // CHECK: a
        a
        // -----
        // CHECK: b
        b
          // ------
        // CHECK-NXT: c
        """

    @Test func splitKeepsLineNumbers() {
        let cases = splitCases(text: file)
        #expect(cases.count == 3)
        #expect(cases.map(\.firstLine) == [1, 5, 8])
        #expect(cases[1].text == "// CHECK: b\nb\n")
        #expect(cases[2].text == "// CHECK-NXT: c")
        do {
            _ = try CheckFile.parse(text: cases[2].text, fileName: "t.eir", firstLine: cases[2].firstLine)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.description.hasPrefix("t.eir:8:4: error: unsupported check directive 'CHECK-NXT:'"))
        }
        #expect(splitCases(text: "x\ny").map(\.firstLine) == [1])
    }

    @Test func expectedErrors() throws {
        let text = """
            edge.foo // expected-error {{unknown op 'edge.foo'}}
            // expected-error@+1 {{shape mismatch}} expected-error@+1 {{rank}}
            %0 = edge.add
            // expected-error@-3 {{second}}
            """
        let expected = try parseExpectedErrors(text: text, firstLine: 10)
        #expect(expected == [
            ExpectedDiagnostic(line: 10, message: "unknown op 'edge.foo'", annotationLine: 10),
            ExpectedDiagnostic(line: 12, message: "shape mismatch", annotationLine: 11),
            ExpectedDiagnostic(line: 12, message: "rank", annotationLine: 11),
            ExpectedDiagnostic(line: 10, message: "second", annotationLine: 13),
        ])
        let ok = verifyDiagnostics(expected: expected, actual: [
            (10, "error: unknown op 'edge.foo' here"), (12, "rank 2 vs 3"), (10, "a second one"),
            (12, "shape mismatch"),
        ])
        #expect(ok.isEmpty)
        let problems = verifyDiagnostics(expected: expected, actual: [
            (10, "unknown op 'edge.foo'"), (10, "second"), (12, "shape mismatch"), (11, "surprise"),
        ], fileName: "t.eir")
        #expect(problems == [
            "t.eir:11: unexpected error: surprise",
            "t.eir:12: expected error \"rank\" was not produced (annotation on line 11)",
        ])
    }

    @Test func malformedExpectedError() {
        #expect(throws: FileCheckFailure.self) { try parseExpectedErrors(text: "// expected-error oops") }
        #expect(throws: FileCheckFailure.self) { try parseExpectedErrors(text: "// expected-error@x {{a}}") }
    }
}

@Suite struct Helpers {
    @Test func fuzzyDistance() {
        let (d, r) = fuzzySubstringDistance(Array("edge.add"), Array("  %1 = edge.addd(x)"))
        #expect(d == 0)
        #expect(r == 7..<15)
        #expect(fuzzySubstringDistance(Array("abc"), Array("")).distance == 3)
    }

    @Test func possibleIntendedMatchPointsAtNearMiss() {
        let text = failureText("CHECK: edge.relu\nCHECK: edge.ad(%0, %0)", relu)
        #expect(text.contains("<stdin>:3:8: note: possible intended match here"))
        #expect(!failureText("CHECK: zzzzzzzz", relu).contains("possible intended match"))
    }
}

extension String {
    fileprivate func replacingOccurrencesOf(_ target: String, with replacement: String) -> String {
        self.replacing(target, with: replacement)
    }
}
