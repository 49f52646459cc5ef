package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.iam.CallerArn;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

/**
 * Reads STS's XML answers. STS is trusted but the bytes cross a network: DTDs are refused outright, so no entity,
 * external or internal, is ever expanded.
 */
final class StsResponses {

    static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

    private StsResponses() {
    }

    /** @throws IllegalArgumentException unless {@code xml} is a well-formed GetCallerIdentityResponse */
    static CallerIdentity callerIdentity(byte[] xml) {
        Element root = parse(xml).getDocumentElement();
        if (!NAMESPACE.equals(root.getNamespaceURI()) || !"GetCallerIdentityResponse".equals(root.getLocalName())) {
            throw new IllegalArgumentException("not a GetCallerIdentityResponse");
        }
        Element result = onlyChild(root, "GetCallerIdentityResult");
        CallerArn arn = CallerArn.parse(onlyChild(result, "Arn").getTextContent().strip());
        String account = onlyChild(result, "Account").getTextContent().strip();
        String userId = onlyChild(result, "UserId").getTextContent().strip();
        if (!account.equals(arn.account())) {
            throw new IllegalArgumentException("its Account " + account + " is not the account of its Arn " + arn);
        }
        return new CallerIdentity(arn, account, userId);
    }

    /** The Code of an STS ErrorResponse (SignatureDoesNotMatch, ExpiredToken, Throttling...), if it is one. */
    static Optional<String> errorCode(byte[] xml) {
        try {
            Element root = parse(xml).getDocumentElement();
            if (!"ErrorResponse".equals(root.getLocalName())) {
                return Optional.empty();
            }
            return Optional.of(onlyChild(onlyChild(root, "Error"), "Code").getTextContent().strip());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Element onlyChild(Element parent, String localName) {
        NodeList found = parent.getElementsByTagNameNS(NAMESPACE, localName);
        if (found.getLength() != 1) {
            throw new IllegalArgumentException("expected one " + localName + " in " + parent.getLocalName()
                    + ", found " + found.getLength());
        }
        return (Element) found.item(0);
    }

    private static Document parse(byte[] xml) {
        try {
            DocumentBuilder builder = factory().newDocumentBuilder();
            builder.setErrorHandler(RETHROW);
            return builder.parse(new ByteArrayInputStream(xml));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("this JDK's XML parser cannot be made safe", e);
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not well-formed XML: " + e.getMessage());
        }
    }

    private static DocumentBuilderFactory factory() throws ParserConfigurationException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        return factory;
    }

    /** Instead of the default, which prints to stderr before throwing. */
    private static final ErrorHandler RETHROW = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };
}
